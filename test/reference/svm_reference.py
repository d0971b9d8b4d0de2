"""Reference for compute/classify/linear-svm.ts: scikit-learn's SVC(kernel='linear') (libsvm C-SVC).

Two modes, both print JSON to stdout:
  svm_reference.py loso FEATURES.tsv [C]
      leave-one-speaker-out on a feature table (columns: file, speaker, label, features...),
      StandardScaler fitted on each fold's training rows; prints per-file predictions and
      pooled WA / UAR.
  svm_reference.py split TRAIN.tsv TEST.tsv [C]
      one already normalised split (columns: label, features...); prints predictions.
Runs with ~/.cache/serflow/venv/bin/python.
"""
import json
import sys

import numpy as np
from sklearn.metrics import accuracy_score, recall_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def read_table(path, meta_cols):
    with open(path) as f:
        header = f.readline().rstrip('\n').split('\t')
        meta, rows = [], []
        for line in f:
            parts = line.rstrip('\n').split('\t')
            if len(parts) < len(header):
                continue
            meta.append(parts[:meta_cols])
            rows.append([float(v) for v in parts[meta_cols:]])
    return meta, np.asarray(rows, dtype=np.float64)


def loso(path, C):
    meta, X = read_table(path, 3)
    files = [m[0] for m in meta]
    speakers = np.array([m[1] for m in meta])
    labels = np.array([m[2] for m in meta])
    pred = np.empty(len(labels), dtype=object)
    for spk in sorted(set(speakers)):
        test = speakers == spk
        scaler = StandardScaler().fit(X[~test])
        clf = SVC(kernel='linear', C=C).fit(scaler.transform(X[~test]), labels[~test])
        pred[test] = clf.predict(scaler.transform(X[test]))
    return {
        'predictions': dict(zip(files, [str(p) for p in pred])),
        'wa': accuracy_score(labels, pred.astype(str)),
        'uar': recall_score(labels, pred.astype(str), average='macro'),
    }


def split(train_path, test_path, C):
    train_meta, Xtr = read_table(train_path, 1)
    _, Xte = read_table(test_path, 1)
    ytr = [int(m[0]) for m in train_meta]
    clf = SVC(kernel='linear', C=C).fit(Xtr, ytr)
    return {'predictions': [int(p) for p in clf.predict(Xte)]}


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'loso':
        out = loso(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 1.0)
    elif mode == 'split':
        out = split(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 1.0)
    else:
        raise SystemExit(f'unknown mode {mode!r}: use loso or split')
    json.dump(out, sys.stdout)
