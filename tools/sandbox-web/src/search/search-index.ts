import MiniSearch from "minisearch";
import type { ArchivedPage } from "../corpus/load.ts";
import { selectSnippet } from "./snippet.ts";

/** One ranked search result. */
export interface SearchHit {
  url: string;
  title: string;
  snippet: string;
  /** BM25+ score from MiniSearch, rounded to 3 decimals. */
  score: number;
  /** 1-based rank in the full result list. */
  position: number;
}

export interface SearchResults {
  /** Number of pages that match at least one query term. */
  total: number;
  hits: SearchHit[];
}

/** Weight of a match in the page title relative to one in the body text. */
const TITLE_BOOST = 3;

/** Maximum number of results one call returns, as Serper caps `num`. */
export const MAX_RESULTS = 100;

interface IndexedDocument {
  id: number;
  title: string;
  text: string;
}

const tokenize: (text: string) => string[] = MiniSearch.getDefault("tokenize");

/**
 * Full-text index over the title and visible text of pages, ranked with BM25+ by MiniSearch.
 *
 * MiniSearch was chosen because it is maintained, has no dependencies, ranks with BM25+ and
 * indexes the 439 pages of the shared corpora in memory in 1 to 2 s (docs/benchmarks.md). The
 * index also counts the documents containing each term, which MiniSearch does not expose, to weight
 * query terms when picking snippets.
 */
export class SearchIndex {
  readonly #pages: readonly ArchivedPage[];
  readonly #miniSearch: MiniSearch<IndexedDocument>;
  readonly #documentFrequency = new Map<string, number>();

  constructor(pages: readonly ArchivedPage[]) {
    this.#pages = pages;
    this.#miniSearch = new MiniSearch<IndexedDocument>({
      fields: ["title", "text"],
      searchOptions: { boost: { title: TITLE_BOOST }, combineWith: "OR" },
    });
    this.#miniSearch.addAll(pages.map((page, id) => ({ id, title: page.title, text: page.text })));

    for (const page of pages) {
      const terms = new Set(tokenize(`${page.title}\n${page.text}`).map((term) => term.toLowerCase()));
      for (const term of terms) {
        this.#documentFrequency.set(term, (this.#documentFrequency.get(term) ?? 0) + 1);
      }
    }
  }

  /** Number of pages in the index. */
  get size(): number {
    return this.#pages.length;
  }

  /**
   * Returns the `num` best pages for `query` after skipping `offset` of them, each with a snippet
   * taken from its best-matching passage.
   */
  search(query: string, num = 10, offset = 0): SearchResults {
    const limit = Math.max(1, Math.min(MAX_RESULTS, Math.trunc(num)));
    const matches = this.#miniSearch.search(query);
    const weights = this.#termWeights(query);

    const hits = matches.slice(offset, offset + limit).map((match, index): SearchHit => {
      const page = this.#pages[match.id as number]!;
      return {
        url: page.url,
        title: page.title,
        snippet: selectSnippet(page.text, weights),
        score: Math.round(match.score * 1000) / 1000,
        position: offset + index + 1,
      };
    });
    return { total: matches.length, hits };
  }

  /** Weights each distinct query term by its inverse document frequency. */
  #termWeights(query: string): Map<string, number> {
    const weights = new Map<string, number>();
    const count = this.#pages.length;
    for (const token of tokenize(query)) {
      const term = token.toLowerCase();
      const frequency = this.#documentFrequency.get(term) ?? 0;
      if (term && frequency > 0) {
        weights.set(term, Math.log(1 + (count - frequency + 0.5) / (frequency + 0.5)));
      }
    }
    return weights;
  }
}

/** Builds the search index over `pages`; call `search(query, num)` on the result. */
export function createSearchIndex(pages: readonly ArchivedPage[]): SearchIndex {
  return new SearchIndex(pages);
}
