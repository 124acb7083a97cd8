// Runs SailPoint's official TypeScript SDK (sailpoint-api-client, v2024 APIs) against a
// certsum server. The Go test TestTypeScriptSDK starts certsum, sets SAIL_BASE_URL,
// SAIL_CLIENT_ID and SAIL_CLIENT_SECRET for one reviewer, and writes what certsum's store
// holds to the JSON file named by CERTSUM_SDKTEST_EXPECTED; every answer must equal it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import sdk from 'sailpoint-api-client';

const { Configuration, CertificationsV2024Api, CertificationSummariesV2024Api, Paginator } = sdk;

const expectedPath = process.env.CERTSUM_SDKTEST_EXPECTED;
assert.ok(expectedPath, 'CERTSUM_SDKTEST_EXPECTED must name the expected-values file (run through TestTypeScriptSDK)');
const want = JSON.parse(readFileSync(expectedPath, 'utf8'));

// The SDK reads SAIL_* from the environment and requests its token in the constructor.
const config = new Configuration();
const certs = new CertificationsV2024Api(config);
const sums = new CertificationSummariesV2024Api(config);
const id = want.certificationId;

test('the client-credentials token is issued to the SDK', async () => {
  const token = await config.accessToken;
  assert.equal(typeof token, 'string');
  assert.equal(token.split('.').length, 3, 'a JWT');
});

test('listIdentityCertifications with reviewer-identity=me lists the reviewer\'s certifications', async () => {
  const res = await certs.listIdentityCertifications({ reviewerIdentity: 'me', count: true });
  assert.equal(res.status, 200);
  assert.deepEqual(res.data, want.certifications);
  assert.equal(Number(res.headers['x-total-count']), want.certifications.length);
});

test('getIdentityCertification returns the certification', async () => {
  const res = await certs.getIdentityCertification({ id });
  assert.deepEqual(res.data, want.certification);
});

test('getIdentityAccessSummaries returns each type\'s access summaries', async () => {
  for (const type of ['ROLE', 'ACCESS_PROFILE', 'ENTITLEMENT']) {
    const res = await sums.getIdentityAccessSummaries({ id, type, count: true });
    assert.deepEqual(res.data, want.accessSummaries[type], type);
    assert.equal(Number(res.headers['x-total-count']), want.accessSummaries[type].length, type);
  }
});

test('getIdentityDecisionSummary returns the counts, all and filtered', async () => {
  assert.deepEqual((await sums.getIdentityDecisionSummary({ id })).data, want.decisionSummary);
  const filtered = await sums.getIdentityDecisionSummary({ id, filters: want.filteredDecisionSummary.filters });
  assert.deepEqual(filtered.data, want.filteredDecisionSummary.summary);
});

test('getIdentitySummaries and getIdentitySummary return the identity summaries', async () => {
  const res = await sums.getIdentitySummaries({ id, count: true, sorters: '-name', filters: 'completed eq false or completed eq true' });
  assert.deepEqual(res.data, want.identitySummariesByNameDesc);
  assert.equal(Number(res.headers['x-total-count']), want.identitySummariesByNameDesc.length);
  for (const s of want.identitySummariesByNameDesc) {
    assert.deepEqual((await sums.getIdentitySummary({ id, identitySummaryId: s.id })).data, s);
  }
});

test('the SDK paginator walks every review item', async () => {
  const res = await Paginator.paginate(certs, certs.listIdentityAccessReviewItems, { id }, 7);
  assert.deepEqual(res.data.map((it) => it.id), want.reviewItemIds);
});

test('makeIdentityDecision applies the decisions and answers the certification', async () => {
  const res = await certs.makeIdentityDecision({ id, reviewDecisionV2024: want.decide });
  assert.equal(res.status, 200);
  assert.equal(res.data.id, id);
  assert.equal(res.data.decisionsMade, want.decisionsMadeAfter);
  const items = await certs.listIdentityAccessReviewItems({ id, filters: `id in (${want.decide.map((d) => JSON.stringify(d.id)).join(',')})` });
  for (const d of want.decide) {
    const it = items.data.find((i) => i.id === d.id);
    assert.ok(it, `item ${d.id} listed`);
    assert.equal(it.decision, d.decision);
    assert.equal(it.completed, true);
  }
});

test('an unknown certification is a 404 with an ErrorResponseDto', async () => {
  await assert.rejects(certs.getIdentityCertification({ id: want.unknownId }), (err) => {
    assert.equal(err.response?.status, 404);
    assert.match(err.response.headers['content-type'], /^application\/json/);
    assert.match(err.response.data.detailCode, /^404/);
    assert.ok(err.response.data.trackingId);
    return true;
  });
});

test('a bad filter is a 400 naming the operator', async () => {
  await assert.rejects(sums.getIdentitySummaries({ id, filters: 'name co "a"' }), (err) => {
    assert.equal(err.response?.status, 400);
    assert.match(err.response.data.detailCode, /^400/);
    assert.match(JSON.stringify(err.response.data.messages), /co/);
    return true;
  });
});
