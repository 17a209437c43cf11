/**
 * Every bound the tool puts on what a registry (or another server) sends it: sizes of whole bodies read
 * into memory, pages and entries of a listing, the shape of an image walk, and the time and rate of an
 * answer. A value past a bound fails that request or image with an error naming the bound; nothing is
 * ever truncated silently. Blob bytes are streamed, never buffered, so they have no size cap here.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** The OCI distribution spec lets registries refuse manifests over 4 MiB; so do we. */
export const MAX_MANIFEST_BYTES = 4 * MiB;
/** An image config is a few KiB; 4 MiB leaves room for long histories. */
export const MAX_CONFIG_BYTES = 4 * MiB;
/** One `tags/list` page: 1,000 tags of at most 128 characters is 150 KiB. */
export const MAX_TAG_PAGE_BYTES = 1 * MiB;
/** One `_catalog` page: 1,000 names of at most 255 characters is 270 KiB. */
export const MAX_CATALOG_PAGE_BYTES = 1 * MiB;
/** A token response holds a JWT or an opaque token; real ones are a few KiB. */
export const MAX_TOKEN_RESPONSE_BYTES = 1 * MiB;
/** An error body is read for its diagnostics only; the rest is cut off and the connection dropped. */
export const MAX_ERROR_BODY_BYTES = 64 * KiB;
/** A referrers page is an OCI index: the manifest bound applies. */
export const MAX_REFERRERS_PAGE_BYTES = MAX_MANIFEST_BYTES;
/** A CMQ reply carries at most 16 messages of 64 KiB, plus their envelope. */
export const MAX_CMQ_REPLY_BYTES = 2 * MiB;

/** CMQ batch sends (16 messages each) in flight at once while the planner queues a slice. */
export const CMQ_SEND_CONCURRENCY = 4;

/** Pages of one paged listing (tags, catalog, referrers): 1,000 pages of 1,000 entries is a million. */
export const MAX_LISTING_PAGES = 1_000;
/** Pages of referrers of one manifest: 100 is already abnormal. */
export const MAX_REFERRERS_PAGES = 100;
/** Entries of one listing kept in memory: no real repository has more tags than this. */
export const MAX_LISTING_ENTRIES = 100_000;

/** Nested indexes below the root: real images nest one level, rarely two. */
export const MAX_INDEX_DEPTH = 8;
/** Distinct manifests of one image (root, children, nested indexes): a 60-platform index is big. */
export const MAX_MANIFESTS_PER_IMAGE = 1_000;

/** From the socket to the last header line, in total: trickled headers cannot reset it. */
export const HEADERS_DEADLINE_MS = 60_000;
/** A body whose reader waits this long for less than MIN_BODY_BYTES_PER_WINDOW is stalled. */
export const BODY_RATE_WINDOW_MS = 30_000;
/** With BODY_RATE_WINDOW_MS: about 550 bytes/s, far below any working link. */
export const MIN_BODY_BYTES_PER_WINDOW = 16 * KiB;
/** A request that timed out is not retried once this long has gone since its first attempt. */
export const TIMED_OUT_REQUEST_BUDGET_MS = 60_000;
/** Silence inside a body (no byte at all) that fails it, whoever is waiting. */
export const BODY_IDLE_MS = 60_000;

/** Local files the tool reads besides rule and security files: a PEM bundle is a few hundred KiB. */
export const MAX_CA_FILE_BYTES = 1 * MiB;
/** docker's config.json and REGISTRY_AUTH_FILE: a few KiB each; the configuration-file cap applies. */
export const MAX_AUTH_FILE_BYTES = 10 * MiB;
/**
 * Values (keys, strings, numbers, lists, maps) of one rule file once YAML aliases are expanded: a 10,000-rule
 * file holds about 50,000. Aliases can make a small file name millions of images; past this it is refused.
 */
export const MAX_RULE_FILE_VALUES = 200_000;

/** A request body of the planner's API (deployed or `serve`): inline rules are at most 256 KiB, JSON-escaped. */
export const MAX_API_BODY_BYTES = 1 * MiB;
/** An oversized API request body is read and dropped up to this, so its sender gets the 413; past it, the socket is closed. */
export const MAX_DRAINED_BODY_BYTES = 8 * MiB;
/** Runs listed by `GET /runs`, newest first. */
export const MAX_LISTED_RUNS = 50;
/** An SSM secret's value: SecretString / SecretBinary hold at most 32 KB (CreateSecretRequest, ssm_models.d.ts). */
export const MAX_SSM_SECRET_BYTES = 32 * KiB;
/** Objects `undeploy --bootstrap --force` deletes from the bucket it created; past this, empty it with a lifecycle rule. */
export const MAX_BUCKET_OBJECTS_DELETED = 10_000;
/** A failure hint for a missing tag names the tags the source repository has when it has at most this many. */
export const MAX_TAGS_IN_HINT = 10;
/** Failed images (and plan failures) a run status lists by name; the rest are counted, and the report has them all. */
export const MAX_STATUS_FAILURES = 50;
/** A run API answer (`POST /runs`, `GET /runs/<id>`): 50 failures with their messages and hints fit in a few dozen KiB. */
export const MAX_RUN_API_REPLY_BYTES = 1 * MiB;
/** One call to the run API, from the request to the last byte of its answer (the planner plans before it answers). */
export const RUN_API_CALL_MS = 120_000;
/** `image-transfer cloud watch`: the bounds of `--poll-interval` (seconds). */
export const MIN_POLL_INTERVAL_S = 1;
export const MAX_POLL_INTERVAL_S = 300;
/** `image-transfer cloud watch`: the bound of `--timeout` (seconds): a run's results are awaited 24 h at most. */
export const MAX_WATCH_S = 48 * 60 * 60;
/** `cloud watch`: consecutive failed status calls (network, 5xx) tolerated before giving up. */
export const MAX_STATUS_CALL_FAILURES = 5;
/** Rules the serverless planner expands at once, between deadline checks. */
export const PLAN_SLICE_RULES = 25;
/** Tasks of one stored plan slice (`runs/<runId>/plan/<n>.json`, then queued): a slice is written once it holds this many. */
export const PLAN_SLICE_TASKS = 1_000;
/**
 * SCF `Invoke`: an async event (`ClientContext`) is at most 128 KB, a sync one 6 MB (InvokeRequest in the SDK's
 * scf_models.d.ts; https://www.tencentcloud.com/document/product/583/17243). Checked before the call.
 */
export const MAX_SCF_ASYNC_EVENT_BYTES = 128 * KiB;
/**
 * `Invoke` accepts 100 requests/s per account (doc 583/17243), shared by the planner's tasks and continuations
 * and every worker start; each caller paces itself below it and retries RequestLimitExceeded with backoff.
 */
export const SCF_INVOKE_QPS = 90;
/** Retries of a throttled or transiently failed `Invoke`, with backoff doubling from 500 ms up to 8 s (12–24 s in all, with jitter). */
export const SCF_INVOKE_RETRIES = 6;
/** Receives a TDMQ-CMQ worker attempts in a row before it gives up, records the failure and fails. */
export const WORKER_RECEIVE_ATTEMPTS = 3;
/** Backoff before receive retry n: min(base * 2^(n-1), max), less up to half of it by jitter. */
export const WORKER_RECEIVE_BACKOFF_MS = 1_000;
export const WORKER_RECEIVE_BACKOFF_MAX_MS = 8_000;
/** Times a worker hands on to a fresh invocation of itself (900 s each: 24 h); then the restart timer takes over. */
export const MAX_WORKER_GENERATIONS = 96;
/** A worker slot's lease (renewed before each receive): past it without renewal, the slot counts as free. */
export const WORKER_LEASE_MS = 10 * 60_000;
/** A slot whose worker failed to receive is not restarted for this long (per slot: at most IT_WORKERS starts per period). */
export const WORKER_RESTART_BACKOFF_MS = 5 * 60_000;

/** report.html: rows the script shows per page of the results table. */
export const REPORT_HTML_PAGE_ROWS = 100;
/** report.html: failed rows rendered into the page for readers without JavaScript (at least one page of rows is). */
export const REPORT_HTML_STATIC_FAILED_ROWS = 1_000;

/** Images in flight at the start of a run without `--routines` (the original's default). */
export const DEFAULT_ROUTINES = 16;
/** The most images in flight the adaptive limit reaches without `--routines` (AdaptiveLimit). */
export const MAX_ADAPTIVE_ROUTINES = 32;
/**
 * Images read their manifests ahead of the limit (AdaptiveLimit lookahead) when a registry's round trip
 * (RegistryClient.roundTripMs) is at least this long: a WAN. Nearer, the manifests take no time to read and
 * more images in flight only cost memory and CPU (2,000 tiny images on loopback: +6 MiB, +5 % time).
 */
export const LOOKAHEAD_MIN_RTT_MS = 20;
