// node-fetch 2 (inside tencentcloud-sdk-nodejs) only needs a WHATWG URL class: Node 20 has one.
module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };
