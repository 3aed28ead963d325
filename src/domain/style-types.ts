/** A Soul style preset (the catalog is src/domain/style-catalog.ts, the rules src/domain/styles.ts). */
export interface SoulStyle {
  id: string;
  name: string;
  description: string;
  /** Comma-separated phrases with one `{prompt}` slot; most defining phrase first. */
  promptTemplate: string;
  /** Comma-separated phrases to steer away from; most important first. */
  negativePrompt: string;
  /** Extra vocabulary of the look, used by the prompt enhancer. */
  keywords: string[];
}
