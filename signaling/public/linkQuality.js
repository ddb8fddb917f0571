// Link quality, 0–5, from the SDK's receive stats: the SDK's own scoring (the same the SDK reports
// for this client as its networkQuality event), so the pages and the server agree on what a score means.
export { LINK_THRESHOLDS as THRESHOLDS, byParticipant, intervalConcealmentPct, linkQuality, qualityClass, sampleOf } from '/sdk/classbridge-sdk.js';
