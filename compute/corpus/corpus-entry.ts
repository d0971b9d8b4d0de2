/**
 * One utterance of a corpus, as every reader (EMO-DB, CSV manifest) returns it. `file` is the
 * stable identity (corpus-relative, forward slashes): it names rows in feature matrices and
 * enters the corpus hash; `path` is only where the file is on this machine.
 */
export interface CorpusEntry {
  /** Absolute path of the audio file on this machine. */
  path: string;
  /** Path relative to the corpus root, with forward slashes. */
  file: string;
  label: string;
  speaker: string;
  /** Split named in a manifest ("train", "test", ...), when the corpus defines one. */
  split?: string;
}
