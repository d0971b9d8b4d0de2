/**
 * The published file-name conventions of well-known emotional speech corpora: each file's name
 * (and for SAVEE's original layout, its folder) says its emotion and speaker, so a manifest can
 * be built from the folder alone (manifest-builder.ts).
 *
 * Emotions are given serflow's class names, EMO-DB's English names (anger, boredom, disgust,
 * fear, happiness, sadness, neutral) plus `calm` and `surprise`, so that the same emotion has
 * the same label in every corpus. The tables are in `emotions` of each convention; the README
 * lists them.
 *
 * Sources: RAVDESS (Livingstone & Russo 2018, the Zenodo record's file-naming section), CREMA-D
 * (Cao et al. 2014, the repository's README), SAVEE (Haq & Jackson 2009, the AudioData
 * layout), TESS (Dupuis & Pichora-Fuller 2010, the University of Toronto release), EMO-DB
 * (Burkhardt et al. 2005; emodb.ts).
 */
import { InputError } from '../../foundation/errors';
import { EMODB_EMOTIONS, parseEmodbFileName } from './emodb';

export interface LabelledFile {
  label: string;
  speaker: string;
}

export interface FileNameConvention {
  /** The corpus's name as people write it. */
  title: string;
  /** The convention in words, for error messages. */
  pattern: string;
  /** A file name that follows it. */
  example: string;
  /** The corpus's emotion codes and the class names serflow gives them. */
  emotions: Readonly<Record<string, string>>;
  /**
   * Label and speaker of a file from its path relative to the corpus folder (forward slashes),
   * or null when the name does not follow the convention.
   */
  parse(file: string): LabelledFile | null;
}

const baseName = (file: string): string => file.slice(file.lastIndexOf('/') + 1);
const parentFolder = (file: string): string => {
  const parts = file.split('/');
  return parts.length >= 2 ? (parts[parts.length - 2] as string) : '';
};

const RAVDESS_EMOTIONS = {
  '01': 'neutral', '02': 'calm', '03': 'happiness', '04': 'sadness',
  '05': 'anger', '06': 'fear', '07': 'disgust', '08': 'surprise',
} as const;
// modality (01 audio-video, 02 video, 03 audio) - vocal channel (01 speech, 02 song) - emotion -
// intensity (01 normal, 02 strong) - statement (01, 02) - repetition (01, 02) - actor (01-24).
const RAVDESS_NAME = /^0[1-3]-0[12]-(0[1-8])-0[12]-0[12]-0[12]-(\d{2})\.wav$/i;

const CREMA_D_EMOTIONS = { ANG: 'anger', DIS: 'disgust', FEA: 'fear', HAP: 'happiness', NEU: 'neutral', SAD: 'sadness' } as const;
// actor (1001-1091) _ sentence (3 letters) _ emotion _ level (LO, MD, HI, XX unspecified).
const CREMA_D_NAME = /^(\d{4})_[A-Z]{3}_(ANG|DIS|FEA|HAP|NEU|SAD)_(?:LO|MD|HI|XX)\.wav$/i;

const SAVEE_EMOTIONS = { a: 'anger', d: 'disgust', f: 'fear', h: 'happiness', n: 'neutral', sa: 'sadness', su: 'surprise' } as const;
const SAVEE_SPEAKERS = '(DC|JE|JK|KL)';
// The release's AudioData/<speaker>/<code><nn>.wav, or the common flat copy <speaker>_<code><nn>.wav.
const SAVEE_FLAT_NAME = new RegExp(`^${SAVEE_SPEAKERS}_(sa|su|a|d|f|h|n)\\d{2}\\.wav$`);
const SAVEE_NAME = /^(sa|su|a|d|f|h|n)\d{2}\.wav$/;
const SAVEE_SPEAKER_FOLDER = new RegExp(`^${SAVEE_SPEAKERS}$`);

const TESS_EMOTIONS = { angry: 'anger', disgust: 'disgust', fear: 'fear', happy: 'happiness', neutral: 'neutral', ps: 'surprise', sad: 'sadness' } as const;
// speaker (OAF older, YAF younger actress) _ word _ emotion. The release names one file
// OA_bite_neutral.wav (in OAF_neutral/): OA is read as OAF, or it would be a third speaker.
const TESS_NAME = /^(OAF|YAF|OA)_([a-z]+)_(angry|disgust|fear|happy|neutral|ps|sad)\.wav$/i;

export const FILE_NAME_CONVENTIONS = {
  ravdess: {
    title: 'RAVDESS',
    pattern: 'modality-channel-emotion-intensity-statement-repetition-actor.wav, seven 2-digit fields (modality 01-03, channel 01-02, emotion 01-08, intensity, statement and repetition 01-02, actor 01-24)',
    example: '03-01-05-01-02-01-12.wav',
    emotions: RAVDESS_EMOTIONS,
    parse(file) {
      const m = RAVDESS_NAME.exec(baseName(file));
      if (!m) return null;
      const [, emotion, actor] = m as unknown as [string, keyof typeof RAVDESS_EMOTIONS, string];
      return { label: RAVDESS_EMOTIONS[emotion], speaker: actor };
    },
  },
  'crema-d': {
    title: 'CREMA-D',
    pattern: 'actor_sentence_emotion_level.wav: 4-digit actor id, 3-letter sentence, emotion ANG/DIS/FEA/HAP/NEU/SAD, level LO/MD/HI/XX',
    example: '1001_DFA_ANG_XX.wav',
    emotions: CREMA_D_EMOTIONS,
    parse(file) {
      const m = CREMA_D_NAME.exec(baseName(file));
      if (!m) return null;
      const [, actor, emotion] = m as unknown as [string, string, string];
      return { label: CREMA_D_EMOTIONS[emotion.toUpperCase() as keyof typeof CREMA_D_EMOTIONS], speaker: actor };
    },
  },
  savee: {
    title: 'SAVEE',
    pattern: 'speaker_<emotion><nn>.wav, or <emotion><nn>.wav in a speaker folder: speaker DC/JE/JK/KL, emotion a/d/f/h/n/sa/su, nn two digits',
    example: 'DC_a01.wav or DC/a01.wav',
    emotions: SAVEE_EMOTIONS,
    parse(file) {
      const name = baseName(file);
      const flat = SAVEE_FLAT_NAME.exec(name);
      if (flat) {
        const [, speaker, code] = flat as unknown as [string, string, keyof typeof SAVEE_EMOTIONS];
        return { label: SAVEE_EMOTIONS[code], speaker };
      }
      const inFolder = SAVEE_NAME.exec(name);
      const speaker = SAVEE_SPEAKER_FOLDER.exec(parentFolder(file))?.[1];
      if (!inFolder || !speaker) return null;
      return { label: SAVEE_EMOTIONS[inFolder[1] as keyof typeof SAVEE_EMOTIONS], speaker };
    },
  },
  tess: {
    title: 'TESS',
    pattern: 'speaker_word_emotion.wav: speaker OAF/YAF, a word, emotion angry/disgust/fear/happy/neutral/ps/sad',
    example: 'OAF_back_angry.wav',
    emotions: TESS_EMOTIONS,
    parse(file) {
      const m = TESS_NAME.exec(baseName(file));
      if (!m) return null;
      const [, prefix, , emotion] = m as unknown as [string, string, string, string];
      const speaker = prefix.toUpperCase() === 'OA' ? 'OAF' : prefix.toUpperCase();
      return { label: TESS_EMOTIONS[emotion.toLowerCase() as keyof typeof TESS_EMOTIONS], speaker };
    },
  },
  emodb: {
    title: 'EMO-DB',
    pattern: 'speaker (2 digits), text (letter + 2 digits), emotion letter W/L/E/A/F/T/N, version letter, .wav',
    example: '03a01Fa.wav',
    emotions: EMODB_EMOTIONS,
    parse(file) {
      try {
        const parsed = parseEmodbFileName(baseName(file));
        return { label: parsed.emotion, speaker: parsed.speaker };
      } catch (err) {
        if (err instanceof InputError) return null;
        throw err;
      }
    },
  },
} as const satisfies Record<string, FileNameConvention>;

export type CorpusConventionName = keyof typeof FILE_NAME_CONVENTIONS;

export const CORPUS_CONVENTION_NAMES = Object.keys(FILE_NAME_CONVENTIONS) as CorpusConventionName[];

/** The convention of a corpus named on a command line; an InputError lists the known ones. */
export function fileNameConvention(corpus: string): FileNameConvention {
  const key = corpus.toLowerCase();
  if (!Object.hasOwn(FILE_NAME_CONVENTIONS, key)) {
    throw new InputError({ field: 'corpus', reason: `no file-name convention known for ${JSON.stringify(corpus)}`, expected: CORPUS_CONVENTION_NAMES, actual: corpus, fix: 'name one of the known corpora, or write a CSV manifest path,label,speaker by hand' });
  }
  return FILE_NAME_CONVENTIONS[key as CorpusConventionName];
}
