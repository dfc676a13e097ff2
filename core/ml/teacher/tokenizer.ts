/**
 * The SentencePiece unigram tokenizer of the Universal Sentence Encoder: Viterbi search for the
 * segmentation with the highest total piece score. Characters no piece covers become the
 * unknown id (0), consecutive unknowns merged into one.
 */

const WORD_BOUNDARY = '\u2581';
const UNKNOWN_ID = 0;
const UNKNOWN_PENALTY = -10;

/** A vocabulary entry as shipped in vocab.json: [piece, log-probability score]. */
export type VocabularyEntry = readonly [string, number];

/** Encodes text into piece ids with a fixed vocabulary. */
export class SentencePieceTokenizer {
  private readonly pieces = new Map<string, { id: number; score: number }>();
  private readonly maxPieceLength: number;

  constructor(vocabulary: readonly VocabularyEntry[]) {
    let longest = 1;
    vocabulary.forEach(([piece, score], id) => {
      // Reserved symbols (<s>, </s>, the unknown piece) carry score 0 and never match text.
      if (id < 6 && score === 0) return;
      this.pieces.set(piece, { id, score });
      longest = Math.max(longest, piece.length);
    });
    this.maxPieceLength = longest;
  }

  /** Piece ids of `text` (NFKC-normalised, spaces as word boundaries). Empty text gives []. */
  encode(text: string): number[] {
    const normalized = text.normalize('NFKC').trim();
    if (normalized.length === 0) return [];
    const input = WORD_BOUNDARY + normalized.replace(/\s+/g, WORD_BOUNDARY);
    return mergeUnknowns(this.viterbi(input));
  }

  private viterbi(input: string): number[] {
    const n = input.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1);
    const ids = new Int32Array(n + 1);
    best[0] = 0;
    for (let start = 0; start < n; start++) {
      if (best[start] === -Infinity) continue;
      this.relaxFrom(input, start, best, from, ids);
    }
    const path: number[] = [];
    for (let end = n; end > 0; end = from[end]!) path.push(ids[end]!);
    return path.reverse();
  }

  private relaxFrom(input: string, start: number, best: Float64Array, from: Int32Array, ids: Int32Array): void {
    const base = best[start]!;
    const limit = Math.min(input.length, start + this.maxPieceLength);
    for (let end = start + 1; end <= limit; end++) {
      const piece = this.pieces.get(input.slice(start, end));
      if (piece && base + piece.score > best[end]!) {
        best[end] = base + piece.score;
        from[end] = start;
        ids[end] = piece.id;
      }
    }
    if (base + UNKNOWN_PENALTY > best[start + 1]!) {
      best[start + 1] = base + UNKNOWN_PENALTY;
      from[start + 1] = start;
      ids[start + 1] = UNKNOWN_ID;
    }
  }
}

function mergeUnknowns(ids: number[]): number[] {
  return ids.filter((id, i) => id !== UNKNOWN_ID || ids[i - 1] !== UNKNOWN_ID);
}
