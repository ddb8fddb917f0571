/** The words of a transcript as WER counts them: lower case, punctuation ignored. */
export const transcriptWords = (text: string): string[] => text.toLowerCase().replace(/[^a-z' ]/g, ' ').split(/\s+/).filter(Boolean);

/** Word-level edit distance (substitutions, insertions, deletions; case and punctuation ignored). */
export function wordErrors(reference: string, hypothesis: string): number {
  const ref = transcriptWords(reference);
  const hyp = transcriptWords(hypothesis);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[hyp.length]!;
}

/** Word error rate: word-level edit distance over the reference's word count. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  return wordErrors(reference, hypothesis) / Math.max(1, transcriptWords(reference).length);
}
