/** One HLS media segment: its URI (relative to the playlist) and duration. */
export interface PlaylistSegment {
  uri: string;
  durationMs: number;
}

export interface PlaylistOptions {
  /** The lesson is over: a VOD playlist with ENDLIST. Otherwise an EVENT playlist that grows. */
  ended: boolean;
  /**
   * Lower bound for TARGETDURATION, s. An EVENT playlist's target duration must
   * not change as it grows, so pass the window length while recording.
   */
  minTargetDurationS?: number;
}

/**
 * Renders the media playlist of a (possibly still growing) replay: segments in
 * order from media sequence 0, TARGETDURATION the longest one rounded up.
 */
export function renderVodPlaylist(segments: readonly PlaylistSegment[], options: PlaylistOptions): string {
  for (const segment of segments) {
    if (!(segment.durationMs > 0)) throw new RangeError(`segment ${segment.uri} has no duration`);
    if (/[\r\n]/.test(segment.uri) || segment.uri === '') throw new RangeError(`bad segment URI ${JSON.stringify(segment.uri)}`);
  }
  const longestS = Math.max(0, ...segments.map((segment) => segment.durationMs / 1000));
  const target = Math.max(1, Math.ceil(longestS), Math.ceil(options.minTargetDurationS ?? 0));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    `#EXT-X-PLAYLIST-TYPE:${options.ended ? 'VOD' : 'EVENT'}`,
  ];
  for (const segment of segments) lines.push(`#EXTINF:${(segment.durationMs / 1000).toFixed(3)},`, segment.uri);
  if (options.ended) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}
