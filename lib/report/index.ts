/**
 * The run report: its schema (TaskResult, RunReport), aggregation, and its renderers (text summary,
 * Markdown, HTML, the failed-rules pairs). Where reports are stored is lib/store's business.
 * May import: lib/util.
 */
export * from './aggregate.js';
export * from './failed-rules.js';
export { formatBytes, formatDuration, formatMiB, shortDigest } from './format.js';
export { escapeHtml, jsonForScript } from './html-escape.js';
export * from './render-html.js';
export * from './render-md.js';
export * from './render-text.js';
export * from './schema.js';
export * from './failures.js';
