"""Reference for compute/select (model selection inside each outer fold), in scikit-learn.

    nested_selection_reference.py FEATURES.tsv C1,C2,... [SPEAKER,...]

FEATURES.tsv: columns file, speaker, label, features... (bench/prepare-feature-tables.ts format).
For each outer leave-one-speaker-out fold (all speakers, or the listed ones as test speakers):
GridSearchCV(Pipeline(StandardScaler(), SVC(kernel='linear')), {C: grid},
cv=LeaveOneGroupOut() over the training speakers, scoring='balanced_accuracy'), refit on the
whole outer training fold, predict the outer test speaker. Prints JSON: per fold the chosen C,
the best mean inner score and every candidate's mean inner score; per-file predictions; pooled
WA / UAR over the evaluated folds. Runs with ~/.cache/serflow/venv/bin/python.
"""
import json
import sys

import numpy as np
from sklearn.metrics import accuracy_score, recall_score
from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from svm_reference import read_table


def nested(path, grid, outer):
    meta, X = read_table(path, 3)
    files = np.array([m[0] for m in meta])
    speakers = np.array([m[1] for m in meta])
    labels = np.array([m[2] for m in meta])
    folds, predictions, truth, predicted = [], {}, [], []
    for spk in outer or sorted(set(speakers)):
        test = speakers == spk
        search = GridSearchCV(
            Pipeline([('scale', StandardScaler()), ('svc', SVC(kernel='linear'))]),
            {'svc__C': grid},
            cv=LeaveOneGroupOut(),
            scoring='balanced_accuracy',
            refit=True,
        )
        search.fit(X[~test], labels[~test], groups=speakers[~test])
        pred = search.predict(X[test])
        folds.append({
            'speaker': spk,
            'C': float(search.best_params_['svc__C']),
            'validationScore': float(search.best_score_),
            'scores': [float(s) for s in search.cv_results_['mean_test_score']],
        })
        predictions.update(zip(files[test], [str(p) for p in pred]))
        truth.extend(labels[test])
        predicted.extend(pred)
    return {
        'folds': folds,
        'predictions': predictions,
        'wa': accuracy_score(truth, predicted),
        'uar': recall_score(truth, predicted, average='macro'),
    }


if __name__ == '__main__':
    grid = [float(c) for c in sys.argv[2].split(',')]
    outer = sys.argv[3].split(',') if len(sys.argv) > 3 and sys.argv[3] else None
    json.dump(nested(sys.argv[1], grid, outer), sys.stdout)
