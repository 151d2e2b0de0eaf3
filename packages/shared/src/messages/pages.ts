import { z } from "zod";

export const searchResultSchema = z.object({
  title: z.string(),
  url: z.string(),
  snippet: z.string(),
  position: z.number().int().positive(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

export const labelValueSchema = z.object({ label: z.string(), value: z.string() });
export type LabelValue = z.infer<typeof labelValueSchema>;

/** A crawled page reduced to what extraction reads: main text plus the structured data it carries. */
export const pageContentSchema = z.object({
  url: z.string(),
  finalUrl: z.string(),
  status: z.number().int(),
  title: z.string(),
  headings: z.array(z.string()),
  text: z.string(),
  jsonLd: z.array(z.unknown()),
  meta: z.record(z.string(), z.string()),
  labelValues: z.array(labelValueSchema),
  truncated: z.boolean(),
});
export type PageContent = z.infer<typeof pageContentSchema>;

/** A page the crawler could not use, kept so the row can say why a cell stayed empty. */
export const pageFailureSchema = z.object({
  url: z.string(),
  outcome: z.enum(["blocked", "error"]),
  reason: z.string(),
});
export type PageFailure = z.infer<typeof pageFailureSchema>;
