// Runs a campaign's whole life through SailPoint's official TypeScript SDK (v2024 APIs): the
// Go test TestTypeScriptSDKRunsACampaign starts certsum over an imported inventory and sets
// CERTSUM_BASE_URL, the administrator's CERTSUM_ADMIN_ID/SECRET and the reviewer's
// CERTSUM_REVIEWER_ID/SECRET.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sdk from 'sailpoint-api-client';

const { Configuration, CertificationCampaignsV2024Api, CertificationsV2024Api } = sdk;

const baseurl = process.env.CERTSUM_BASE_URL;
assert.ok(baseurl, 'CERTSUM_BASE_URL must be set (run through TestTypeScriptSDKRunsACampaign)');
const config = (id, secret) => new Configuration({ baseurl, tokenUrl: `${baseurl}/oauth/token`, clientId: id, clientSecret: secret });
const admin = new CertificationCampaignsV2024Api(config(process.env.CERTSUM_ADMIN_ID, process.env.CERTSUM_ADMIN_SECRET));
const reviewer = new CertificationsV2024Api(config(process.env.CERTSUM_REVIEWER_ID, process.env.CERTSUM_REVIEWER_SECRET));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function settled(id) {
  for (let i = 0; i < 1500; i++) {
    const res = await admin.getCampaign({ id, detail: 'FULL' });
    if (res.data.status !== 'PENDING') return res.data;
    await sleep(20);
  }
  assert.fail(`campaign ${id} stayed PENDING`);
}

async function status(promise) {
  try {
    return (await promise).status;
  } catch (err) {
    return err.response?.status;
  }
}

test('create → staged → activate → decide → sign-off → completed → delete', async () => {
  const deadline = new Date(Date.now() + 3600_000).toISOString();
  const created = await admin.createCampaign({
    campaignV2024: { name: 'TS manager review', description: null, type: 'MANAGER', deadline },
  });
  assert.equal(created.status, 202);
  assert.equal(created.data.status, 'PENDING');
  assert.equal(created.data.description, null);
  const id = created.data.id;

  const staged = await settled(id);
  assert.equal(staged.status, 'STAGED');
  assert.equal(staged.totalCertifications, 1);
  assert.equal(staged.alerts[0].level, 'WARN');

  assert.equal((await admin.startCampaign({ id, activateCampaignOptionsV2024: { timeZone: '+01:00' } })).status, 202);
  assert.equal(await status(admin.startCampaign({ id })), 400, 'a second activation is refused');

  const mine = await reviewer.listIdentityCertifications({ reviewerIdentity: 'me' });
  assert.equal(mine.data.length, 1);
  const cert = mine.data[0];
  assert.equal(cert.phase, 'ACTIVE');
  assert.equal(new Date(cert.due).getTime(), new Date(deadline).getTime());
  const items = await reviewer.listIdentityAccessReviewItems({ id: cert.id });
  assert.equal(items.data.length, 2);
  const decided = await reviewer.makeIdentityDecision({
    id: cert.id,
    reviewDecisionV2024: items.data.map((it) => ({ id: it.id, decision: 'APPROVE', bulk: true })),
  });
  assert.equal(decided.data.decisionsMade, 2);
  assert.equal((await reviewer.signOffIdentityCertification({ id: cert.id })).data.phase, 'SIGNED');

  const done = await settled(id);
  assert.equal(done.status, 'COMPLETED');
  assert.equal(done.completedCertifications, 1);

  const listed = await admin.getActiveCampaigns({ filters: `id eq "${id}"`, count: true });
  assert.equal(Number(listed.headers['x-total-count']), 1);
  assert.equal(listed.data[0].name, 'TS manager review');
  assert.equal(await status(admin.completeCampaign({ id })), 400, 'a completed campaign cannot be completed');

  assert.equal((await admin.deleteCampaigns({ campaignsDeleteRequestV2024: { ids: [id] } })).status, 202);
  assert.equal(await status(admin.getCampaign({ id })), 404);
});
