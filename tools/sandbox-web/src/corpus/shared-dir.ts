import path from "node:path";
import { fileURLToPath } from "node:url";

/** Root of the repository, found from this file's location (tools/sandbox-web/src/corpus/). */
const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * Returns the folder of the shared real-web corpora, or of one corpus in it when `name` is given:
 * AMPLEDATA_CORPUS_DIR when set, otherwise `../shared/corpus` beside the repository, where CI
 * places it.
 */
export function resolveSharedCorpusDir(name?: string): string {
  const root = process.env.AMPLEDATA_CORPUS_DIR ?? path.resolve(REPO_ROOT, "../shared/corpus");
  return name === undefined ? root : path.join(root, name);
}
