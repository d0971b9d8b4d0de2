// A webpack loader for the replay test: makes the fold workflow run one more repeat per cell,
// a change that must be detected as nondeterministic against a recorded history.
module.exports = function extraRepeat(source) {
  return source.replace('Array.from({ length: input.repeats }', 'Array.from({ length: input.repeats + 1 }');
};
