import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegistryError } from '../../../lib/registry/index.js';
import { LinkPager, nextLinkTarget } from '../../../lib/registry/link.js';

const BASE = 'http://r.example';
const FROM = 'http://r.example/v2/app/tags/list?n=1000';
const pager = (maxPages?: number) => new LinkPager(BASE, 'tag list of r.example/app', '/v2/app/tags/list?n=1000', maxPages);

/** The RegistryError a paging step fails with (REGISTRY_PROTOCOL, naming the listing and why). */
function failure(step: () => unknown): RegistryError {
  try {
    step();
  } catch (err) {
    assert.ok(err instanceof RegistryError, `not a RegistryError: ${String(err)}`);
    assert.equal(err.code, 'REGISTRY_PROTOCOL');
    return err;
  }
  assert.fail('the Link was followed');
}

describe('nextLinkTarget (RFC 8288 Link: <url>; rel="next")', () => {
  // invariant: the target is the whole URL between < and >, however the registry spaces and quotes rel
  it('reads the target with or without spaces around ";" and quotes around next', () => {
    assert.equal(nextLinkTarget('</v2/app/tags/list?n=2&last=b>; rel="next"'), '/v2/app/tags/list?n=2&last=b');
    assert.equal(nextLinkTarget('</v2/a?n=1>;rel=next'), '/v2/a?n=1');
    assert.equal(nextLinkTarget('</v2/a?n=1> ; rel="next"'), '/v2/a?n=1');
    assert.equal(nextLinkTarget('</v2/a>;  rel=next'), '/v2/a');
  });

  // invariant: only rel=next is a next page; several header lines are several link-values
  it('skips other relations and finds next in a later header line', () => {
    assert.equal(nextLinkTarget(['</v2/a?p=0>; rel="prev"', '</v2/a?p=2>; rel="next"']), '/v2/a?p=2');
    assert.equal(nextLinkTarget('</v2/a?p=0>; rel="prev"'), undefined);
    assert.equal(nextLinkTarget(undefined), undefined);
  });

  // invariant: two header lines never fuse into one link-value (they are joined by ", ")
  it('does not read a rel split across two header lines as one link', () => {
    assert.equal(nextLinkTarget(['</v2/a?p=2>; rel=', 'next']), undefined);
  });

  // invariant: a listing is never cut short because rel is not the first parameter (a silently
  // truncated tag list would leave images behind)
  it('finds rel among other parameters, in a list of relation types, in any case', () => {
    assert.equal(nextLinkTarget('</v2/a?p=2>; type="application/json"; rel="next"'), '/v2/a?p=2');
    assert.equal(nextLinkTarget('</v2/a?p=2>; title="a; b, c"; rel=next'), '/v2/a?p=2');
    assert.equal(nextLinkTarget('</v2/a?p=2>; rel="prev next"'), '/v2/a?p=2');
    assert.equal(nextLinkTarget('</v2/a?p=2>; REL=Next'), '/v2/a?p=2');
    assert.equal(nextLinkTarget('</v2/a?p=0>; rel=prev, </v2/a?p=2>; anchor="x"; rel="next"'), '/v2/a?p=2');
  });

  // invariant: only the relation type next itself, and only a link's first rel (RFC 8288 section 3.3)
  it('refuses relation types that merely start with next, a rel that is not the first, and a parameter merely named like rel', () => {
    assert.equal(nextLinkTarget('</v2/a?p=9>; rel="next-archive"'), undefined);
    assert.equal(nextLinkTarget('</v2/a?p=9>; rel=prev; rel=next'), undefined);
    assert.equal(nextLinkTarget('</v2/a?p=9>; xrel=next'), undefined);
    assert.equal(nextLinkTarget('</v2/a?p=9>; title="rel=next"'), undefined);
  });
});

describe('LinkPager: the pages of a listing stay on the registry, in /v2/, without loops, bounded', () => {
  it('returns the path and query of each next page, dropping the host the Link named', () => {
    const p = pager();
    assert.equal(p.next('</v2/app/tags/list?n=1000&last=b>; rel="next"', FROM), '/v2/app/tags/list?n=1000&last=b');
    assert.equal(p.next('<https://elsewhere.example/v2/app/tags/list?last=c>; rel="next"', FROM), '/v2/app/tags/list?last=c');
    assert.equal(p.next(undefined, FROM), undefined);
  });

  it('fails naming the listing, the page and the target when the Link is no URL', () => {
    const err = failure(() => pager().next('<http://[bad>; rel="next"', FROM));
    assert.equal(err.message, `GET ${FROM}: tag list of r.example/app: Link header names no URL: "http://[bad"`);
  });

  // invariant: a hostile Link is quoted in the error cut to 100 characters
  it('cuts a long unparsable target to 100 characters in the message', () => {
    const target = `http://[${'x'.repeat(300)}`;
    const err = failure(() => pager().next(`<${target}>; rel="next"`, FROM));
    assert.ok(err.message.endsWith(`Link header names no URL: ${JSON.stringify(target.slice(0, 100))}`), err.message);
  });

  // invariant: a Link never leads the client outside the distribution API
  it('refuses a Link outside /v2/, naming its path cut to 100 characters', () => {
    const err = failure(() => pager().next('</admin/delete?all=1>; rel="next"', FROM));
    assert.equal(err.message, `GET ${FROM}: tag list of r.example/app: Link leads outside /v2/: /admin/delete?all=1`);
    const long = `/x/${'y'.repeat(200)}`;
    const cut = failure(() => pager().next(`<${long}>; rel="next"`, FROM));
    assert.ok(cut.message.endsWith(`Link leads outside /v2/: ${long.slice(0, 100)}`), cut.message);
    assert.equal(failure(() => pager().next('</v2>; rel="next"', FROM)).message.includes('outside /v2/'), true);
  });

  // invariant: a Link back to the first page, or to any page read before, ends in an error, not a loop
  it('refuses a Link back to the first page or to a page already read', () => {
    const first = failure(() => pager().next('</v2/app/tags/list?n=1000>; rel="next"', FROM));
    assert.equal(first.message, `GET ${FROM}: tag list of r.example/app: Link loops back to a page already read (/v2/app/tags/list?n=1000)`);
    const p = pager();
    const long = `/v2/${'z'.repeat(200)}`;
    assert.equal(p.next(`<${long}>; rel="next"`, FROM), long);
    const again = failure(() => p.next(`<${long}>; rel="next"`, FROM));
    assert.ok(again.message.endsWith(`Link loops back to a page already read (${long.slice(0, 100)})`), again.message);
  });

  // invariant: maxPages pages in all (the first included) are read, the next Link fails
  it('follows maxPages - 1 Links and refuses the next one', () => {
    const p = pager(3);
    assert.equal(p.next('</v2/a?p=2>; rel="next"', FROM), '/v2/a?p=2');
    assert.equal(p.next('</v2/a?p=3>; rel="next"', FROM), '/v2/a?p=3');
    const err = failure(() => p.next('</v2/a?p=4>; rel="next"', FROM));
    assert.equal(err.message, `GET ${FROM}: tag list of r.example/app: more than 3 pages`);
  });
});
