/** Denoising steps a Soul request may ask for; the config check refuses more at start. */
export const MAX_STEPS = 100;
