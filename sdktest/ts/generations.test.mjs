// Runs the same review through SailPoint's official TypeScript SDK on the v3 and beta
// generations: the Go test TestTypeScriptSDKEveryGeneration starts certsum over an imported
// inventory and sets CERTSUM_BASE_URL and the credentials of the administrator
// (CERTSUM_ADMIN_ID/SECRET), of ada (CERTSUM_ADA_ID/SECRET) and of grace
// (CERTSUM_GRACE_ID/SECRET).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sdk from 'sailpoint-api-client';

const {
  Configuration, CertificationCampaignsApi, CertificationsApi, CertificationSummariesApi,
  CertificationCampaignsBetaApi, CertificationsBetaApi,
} = sdk;

const baseurl = process.env.CERTSUM_BASE_URL;
assert.ok(baseurl, 'CERTSUM_BASE_URL must be set (run through TestTypeScriptSDKEveryGeneration)');
const config = (who) => new Configuration({
  baseurl, tokenUrl: `${baseurl}/oauth/token`,
  clientId: process.env[`CERTSUM_${who}_ID`], clientSecret: process.env[`CERTSUM_${who}_SECRET`],
});
const adminCfg = config('ADMIN');
const adaCfg = config('ADA');
const graceCfg = config('GRACE');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function status(promise) {
  try {
    return (await promise).status;
  } catch (err) {
    return err.response?.status;
  }
}

// The path the SDK called, to prove which generation answered.
const pathOf = (res) => res.request.path;

async function settled(get, id) {
  for (let i = 0; i < 1500; i++) {
    const res = await get(id);
    if (!['PENDING', 'ACTIVATING', 'COMPLETING'].includes(res.data.status)) return res.data;
    await sleep(20);
  }
  assert.fail(`campaign ${id} did not settle`);
}

test('v3: create → activate → summaries → decide, reassign, sign-off → completed → delete', async () => {
  const campaigns = new CertificationCampaignsApi(adminCfg);
  const deadline = new Date(Date.now() + 3600_000).toISOString();
  const created = await campaigns.createCampaign({ campaign: { name: 'v3 review', description: null, type: 'MANAGER', deadline } });
  assert.equal(created.status, 202);
  assert.ok(pathOf(created).startsWith('/v3/campaigns'), pathOf(created));
  const id = created.data.id;
  const get = (k) => campaigns.getCampaign({ id: k, detail: 'FULL' });
  assert.equal((await settled(get, id)).status, 'STAGED');
  assert.equal((await campaigns.startCampaign({ id })).status, 202);
  assert.equal(await status(campaigns.startCampaign({ id })), 400, 'a second activation is refused');

  const ada = new CertificationsApi(adaCfg);
  const sums = new CertificationSummariesApi(adaCfg);
  const mine = await ada.listIdentityCertifications({ reviewerIdentity: 'me' });
  assert.ok(pathOf(mine).startsWith('/v3/certifications'), pathOf(mine));
  assert.equal(mine.data.length, 1);
  const cert = mine.data[0];
  assert.equal(cert.phase, 'ACTIVE');
  const items = (await ada.listIdentityAccessReviewItems({ id: cert.id })).data;
  assert.equal(items.length, 2);
  const role = items.find((it) => it.accessSummary.access.type === 'ROLE');
  const ent = items.find((it) => it.accessSummary.access.type === 'ENTITLEMENT');
  assert.ok(role && ent, 'grace\'s role and alan\'s entitlement');
  for (const it of items) {
    for (const owner of [it.accessSummary.role?.owner, it.accessSummary.entitlement?.owner]) {
      if (owner) assert.notEqual(owner.email, null, 'v3 never sends a null owner email');
    }
  }

  const summary = (await sums.getIdentityDecisionSummary({ id: cert.id })).data;
  assert.equal(summary.roleDecisionsTotal + summary.entitlementDecisionsTotal, 2);
  assert.equal(summary.roleDecisionsMade, 0);
  const identities = (await sums.getIdentitySummaries({ id: cert.id })).data;
  assert.equal(identities.length, 2);
  const one = (await sums.getIdentitySummary({ id: cert.id, identitySummaryId: identities[0].id })).data;
  assert.deepEqual(one, identities[0]);
  assert.equal((await sums.getIdentityAccessSummaries({ id: cert.id, type: 'ROLE' })).data.length, 1);
  assert.equal((await sums.getIdentityAccessSummaries({ id: cert.id, type: 'ENTITLEMENT' })).data.length, 1);
  const reviewers = (await ada.listCertificationReviewers({ id: cert.id })).data;
  assert.equal(reviewers.length, 1);
  assert.equal((await ada.getIdentityCertificationItemPermissions({ certificationId: cert.id, itemId: ent.id })).status, 200);

  await ada.makeIdentityDecision({ id: cert.id, reviewDecision: [{ id: role.id, decision: 'APPROVE', bulk: false }] });
  assert.equal((await sums.getIdentityDecisionSummary({ id: cert.id })).data.roleDecisionsMade, 1);
  await ada.reassignIdentityCertifications({
    id: cert.id, reviewReassign: { reassign: [{ id: ent.id, type: 'ITEM' }], reassignTo: 'grace', reason: 'grace owns GitHub' },
  });
  assert.equal((await ada.signOffIdentityCertification({ id: cert.id })).data.phase, 'SIGNED');

  const grace = new CertificationsApi(graceCfg);
  const hers = (await grace.listIdentityCertifications({ reviewerIdentity: 'me' })).data;
  assert.equal(hers.length, 1);
  await grace.makeIdentityDecision({ id: hers[0].id, reviewDecision: [{ id: ent.id, decision: 'REVOKE', bulk: false, comments: 'not needed' }] });
  assert.equal((await grace.signOffIdentityCertification({ id: hers[0].id })).data.phase, 'SIGNED');

  const done = await settled(get, id);
  assert.equal(done.status, 'COMPLETED');
  assert.equal(done.completedCertifications, 2);
  const listed = await campaigns.getActiveCampaigns({ filters: `id eq "${id}"`, count: true });
  assert.equal(Number(listed.headers['x-total-count']), 1);
  assert.equal(await status(campaigns.completeCampaign({ id })), 400, 'a completed campaign cannot be completed');
  assert.equal((await campaigns.deleteCampaigns({ campaignsDeleteRequest: { ids: [id] } })).status, 202);
  assert.equal(await status(campaigns.getCampaign({ id })), 404);
});

test('beta: create → slim campaign → activate → reviewers and permissions → completed early refused → delete', async () => {
  const campaigns = new CertificationCampaignsBetaApi(adminCfg);
  const deadline = new Date(Date.now() + 3600_000).toISOString();
  const created = await campaigns.createCampaign({ campaignBeta: { name: 'beta review', description: 'through beta', type: 'MANAGER', deadline } });
  assert.equal(created.status, 202);
  assert.ok(pathOf(created).startsWith('/beta/campaigns'), pathOf(created));
  const id = created.data.id;
  const get = (k) => campaigns.getCampaign({ id: k });
  const staged = await settled(get, id);
  assert.equal(staged.status, 'STAGED');
  assert.equal(staged.description, 'through beta');
  assert.equal(staged.modified, undefined, 'beta\'s getCampaign is the slim campaign');
  assert.equal((await campaigns.startCampaign({ id })).status, 202);

  // beta has no certification list or review items: an integrator reads them from v3; the
  // reviewers and the permissions are beta's.
  const v3certs = new CertificationsApi(adaCfg);
  const cert = (await v3certs.listIdentityCertifications({ reviewerIdentity: 'me', filters: `campaign.id eq "${id}"` })).data[0];
  assert.ok(cert, 'ada reviews the beta campaign');
  const item = (await v3certs.listIdentityAccessReviewItems({ id: cert.id })).data[0];
  const ada = new CertificationsBetaApi(adaCfg);
  const reviewers = await ada.listCertificationReviewers({ id: cert.id });
  assert.ok(pathOf(reviewers).startsWith('/beta/certifications'), pathOf(reviewers));
  assert.equal(reviewers.data.length, 1);
  assert.equal((await ada.getIdentityCertificationItemPermissions({ certificationId: cert.id, itemId: item.id })).status, 200);

  assert.equal(await status(campaigns.completeCampaign({ id })), 400, 'not before the deadline');
  const listed = await campaigns.getActiveCampaigns({ filters: `id eq "${id}"`, count: true });
  assert.equal(listed.data[0].name, 'beta review');
  assert.equal((await campaigns.deleteCampaigns({ deleteCampaignsRequestBeta: { ids: [id] } })).status, 202);
  assert.equal(await status(campaigns.getCampaign({ id })), 404);
});
