"""librosa's log-Mel spectrogram of one WAV file, framed as compute/features/log-mel.ts frames it.

Usage: log_mel_reference.py <wav>... [--bands 40] [--window-ms 25] [--hop-ms 10] [--fft-size 512]
                            [--fmin 0] [--fmax <rate/2>] [--floor 1e-10] [--window hamming]
Prints JSON: one {"file", "sampleRate", "samples", "frames", "bands", "values": frame-major list}
per file, in a list (several files per call: librosa's first spectrogram takes seconds to load).

The file is read as it is (soundfile, float64, int16 / 32768: no resampling): the caller hands in
the 16 kHz audio serflow's pipeline computes on. Everything is float64 so that the reference is
exact to rounding. librosa's stft with center=False takes frames of fft_size samples and puts the
window in their middle, (fft_size - window) // 2 samples in; serflow's frame t starts its window at
t * hop and zero-pads the last frame. So the signal gets that many zeros before it and enough
zeros after it for librosa to produce serflow's frame count: frame t then sees the same samples.
"""
import argparse
import json
import math

import librosa
import numpy as np
import soundfile


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('wav', nargs='+')
    p.add_argument('--bands', type=int, default=40)
    p.add_argument('--window-ms', type=float, default=25)
    p.add_argument('--hop-ms', type=float, default=10)
    p.add_argument('--fft-size', type=int, default=512)
    p.add_argument('--fmin', type=float, default=0.0)
    p.add_argument('--fmax', type=float, default=None)
    p.add_argument('--floor', type=float, default=1e-10)
    p.add_argument('--window', default='hamming', help='any scipy.signal.get_window name')
    a = p.parse_args()

    print(json.dumps([log_mel(path, a) for path in a.wav]))


def log_mel(path: str, a: argparse.Namespace) -> dict:
    y, sr = soundfile.read(path, dtype='float64', always_2d=True)
    y = y.mean(axis=1)
    # Half up, as JavaScript's Math.round (Python's round() rounds half to even).
    win = math.floor(a.window_ms * sr / 1000 + 0.5)
    hop = math.floor(a.hop_ms * sr / 1000 + 0.5)
    n = len(y)
    frames = 1 + max(0, math.ceil((n - win) / hop))
    lead = (a.fft_size - win) // 2
    padded = np.zeros((frames - 1) * hop + a.fft_size)
    padded[lead:lead + n] = y
    mel = librosa.feature.melspectrogram(
        y=padded, sr=sr, n_fft=a.fft_size, hop_length=hop, win_length=win, window=a.window,
        center=False, power=2.0, n_mels=a.bands, fmin=a.fmin, fmax=a.fmax if a.fmax is not None else sr / 2,
        htk=True, norm=None, dtype=np.float64)
    assert mel.shape == (a.bands, frames), (mel.shape, frames)
    values = np.log(np.maximum(mel, a.floor)).T
    return {'file': path, 'sampleRate': sr, 'samples': n, 'frames': frames, 'bands': a.bands, 'values': values.reshape(-1).tolist()}


if __name__ == '__main__':
    main()
