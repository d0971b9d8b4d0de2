/**
 * The adversarial losses a class cycle-GAN trains with: the paper's cross-entropy and its
 * Wasserstein-divergence variant. Configs, workflows, the trainer and the report all name them,
 * so the names live on the ground floor, free of tfjs.
 */
export const GAN_LOSSES = ['ce', 'wdiv'] as const;

export type GanLoss = (typeof GAN_LOSSES)[number];
