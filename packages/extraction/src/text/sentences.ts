/** Sentence splitting with offsets, so a fact can be quoted from the text it came from. */

export interface Sentence {
  text: string;
  /** Offset of the first character in the page text. */
  start: number;
  /** Index of the text line (block) the sentence belongs to. */
  line: number;
}

const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });

// Abbreviations after which ICU's sentence rules still break in English prose ("Inc. was founded").
const NO_BREAK_AFTER = /\b(?:Inc|Ltd|Corp|Co|Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|approx|est|No|b|c|ca)\.\s*$/;

/** Splits text into sentences. Each line of the text is a block, so no sentence spans two lines. */
export function splitSentences(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  let offset = 0;
  let line = 0;

  for (const lineText of text.split("\n")) {
    let pending: Sentence | undefined;
    for (const segment of segmenter.segment(lineText)) {
      const start = offset + segment.index;
      if (pending !== undefined && NO_BREAK_AFTER.test(pending.text)) {
        pending.text += segment.segment;
        continue;
      }
      if (pending !== undefined) sentences.push(pending);
      pending = { text: segment.segment, start, line };
    }
    if (pending !== undefined) sentences.push(pending);
    offset += lineText.length + 1;
    line += 1;
  }

  return sentences
    .map((sentence) => trimSentence(sentence))
    .filter((sentence) => /[\p{L}\p{N}]/u.test(sentence.text));
}

function trimSentence(sentence: Sentence): Sentence {
  const leading = sentence.text.length - sentence.text.trimStart().length;
  return { text: sentence.text.trim(), start: sentence.start + leading, line: sentence.line };
}
