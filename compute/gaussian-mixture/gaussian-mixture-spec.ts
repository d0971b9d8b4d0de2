/**
 * The spec of class-conditional Gaussian-mixture augmentation's model: how each class's mixture
 * is fitted (gaussian-mixture.ts). The schema is the type; configs build their block from it.
 *
 * `covariance` defaults to 'diag' because the 988-dimensional emobase features give a class
 * ~60 training rows: a full 988 x 988 covariance then has ~490,000 free parameters estimated
 * from 60 rows, singular unless regCovar is so large that it swamps the data. 'full' is for
 * low-dimensional sets such as eGeMAPSv02's 88 features (and even there wants rows >> 88 per
 * component, or a larger regCovar).
 */
import { z } from 'zod';
import { COVARIANCE_TYPES, GMM_DEFAULTS } from './gaussian-mixture';

export const gaussianMixtureSpecSchema = z.strictObject({
  /** Components per class; a class with fewer rows gets one per row (effectiveComponents). */
  components: z.number().int().min(1).max(32).default(2),
  /** 'diag' (default, see above) or 'full'. */
  covariance: z.enum(COVARIANCE_TYPES).default('diag'),
  /** Added to every covariance diagonal, in squared feature units (z-scored: variance units). */
  regCovar: z.number().positive().finite().default(GMM_DEFAULTS.regCovar),
  /** EM iterations at most; a fit that has not converged by then is used as it is. */
  maxIter: z.number().int().positive().max(10_000).default(GMM_DEFAULTS.maxIter),
  /** Convergence threshold on the change of the mean log-likelihood per row (scikit-learn's rule). */
  tol: z.number().positive().finite().default(GMM_DEFAULTS.tol),
});
export type GaussianMixtureSpec = z.infer<typeof gaussianMixtureSpecSchema>;
export type GaussianMixtureSpecInput = z.input<typeof gaussianMixtureSpecSchema>;
