// The web application end to end in real headless Chromium (Debian's, driven by
// playwright-core): a monitor signs in and sends a report from the report form; an analyst
// signs in, places and verifies it in the inbox, accepts an indicator the catalogue suggests
// for it, finds it on the situation's map, acknowledges an alert and records a decision on it
// linked to a measure; an administrator checks where alerts about the situation go and
// renames the unit they go to.
// Screenshots of each step go to $TOCSIN_E2E_SCREENSHOTS.
//
// Environment: TOCSIN_URL (a running `tocsin serve`), TOCSIN_E2E_MONITOR,
// TOCSIN_E2E_ANALYST and TOCSIN_E2E_ADMIN (user names), TOCSIN_E2E_PASSWORD,
// TOCSIN_E2E_SCREENSHOTS, CHROMIUM (default /usr/bin/chromium). Exits non-zero, naming the
// step, on any failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = need('TOCSIN_URL');
const monitor = need('TOCSIN_E2E_MONITOR');
const analyst = need('TOCSIN_E2E_ANALYST');
const admin = need('TOCSIN_E2E_ADMIN');
const password = need('TOCSIN_E2E_PASSWORD');
const shots = need('TOCSIN_E2E_SCREENSHOTS');
mkdirSync(shots, { recursive: true });

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebGL for the map without a GPU: Chromium's software renderer, which it no longer
  // falls back to by itself.
  '--enable-unsafe-swiftshader',
];

const profile = mkdtempSync(join(tmpdir(), 'tocsin-e2e-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: FLAGS,
  viewport: { width: 1280, height: 900 },
});
let step = 'start';
const page = context.pages()[0] || (await context.newPage());
const problems = [];
page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
page.on('console', (message) => {
  if (message.type() === 'error') problems.push(`console: ${message.text()}`);
});
const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const expect = (condition, message) => {
  if (!condition) throw new Error(message);
};

async function signIn(name) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', name);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  expect(!page.url().includes('/login'), `${name} could not sign in: still at ${page.url()}`);
}

async function signOut() {
  await Promise.all([page.waitForNavigation(), page.click('form.signout button')]);
  expect(page.url().endsWith('/login'), `signing out left us at ${page.url()}`);
}

try {
  step = 'monitor signs in';
  await signIn(monitor);
  expect(page.url().endsWith('/report'), `a monitor lands on the report form, not ${page.url()}`);
  await shot('1-monitor-form');

  step = 'monitor sends a report';
  const text = `Armed men set fire to the market stalls at Kapoeta (${Date.now()})`;
  await page.fill('textarea[name=text]', text);
  await page.fill('input[name=place]', 'Kapoeta market');
  await page.fill('input[name=lat]', '4.7717');
  await page.fill('input[name=lon]', '33.5903');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  const sent = page.locator('#sent');
  await sent.waitFor();
  const id = await sent.getAttribute('data-report');
  expect(/^\d+$/.test(id || ''), `no report number after sending: ${await page.content()}`);
  await shot('2-monitor-sent');
  await signOut();

  step = 'analyst signs in';
  await signIn(analyst);
  expect(page.url() === `${base}/`, `an analyst lands on the dashboard, not ${page.url()}`);
  step = 'analyst reads the risk map and ranking on the dashboard';
  // The dashboard's world map is coloured by the stored forecast, the highest risk darkest,
  // and the ranked table lists the same countries.
  await page.locator('#map[data-loaded][data-idle=true]').waitFor({ timeout: 15000 });
  const ranked = page.locator('table.ranked tbody tr');
  expect((await ranked.count()) > 100, `the ranked table has ${await ranked.count()} rows`);
  const top = (await ranked.first().locator('a').getAttribute('href')).split('/').pop();
  const fills = await page.evaluate((iso3) => {
    const features = window.tocsinMap.queryRenderedFeatures({ layers: ['land'] });
    const fill = (code) => {
      const f = features.find((x) => x.properties.iso3 === code);
      return f ? String(f.layer.paint['fill-color']) : null;
    };
    return { top: fill(iso3), drawn: features.length };
  }, top);
  expect(fills.drawn > 100, `only ${fills.drawn} countries drawn on the dashboard map`);
  expect(
    fills.top && /165|222|251/.test(fills.top),
    `the highest-risk country ${top} is not drawn in a risk colour: ${fills.top}`,
  );
  await shot('3-analyst-dashboard');

  step = 'analyst places the report';
  await page.goto(`${base}/reports?queue=place`);
  const queued = page.locator(`#report-${id}`);
  await queued.waitFor();
  const place = queued.locator('form.place');
  await place.locator('input[name=situation]').fill('SSD');
  await place.locator('input[name=lat]').fill('4.7717');
  await place.locator('input[name=lon]').fill('33.5903');
  await Promise.all([page.waitForNavigation(), place.locator('button').click()]);

  step = 'analyst verifies the report';
  await page.goto(`${base}/reports?state=triage`);
  const row = page.locator(`#report-${id}`);
  await row.waitFor();
  expect((await row.textContent()).includes('Armed men set fire'), 'the inbox row shows the text');
  await shot('4-analyst-inbox');
  await Promise.all([
    page.waitForNavigation(),
    row.locator('button[data-to=verified]').click(),
  ]);
  await page.goto(`${base}/reports?state=verified`);
  await page.locator(`#report-${id}[data-state=verified]`).waitFor();

  step = 'analyst codes an indicator';
  await Promise.all([
    page.waitForNavigation(),
    page.locator(`#report-${id} a.indicators`).click(),
  ]);
  const suggestion = page.locator('#suggestions tbody tr').first();
  await suggestion.waitFor();
  const code = await suggestion.getAttribute('data-code');
  expect(/^\d+\.\d+$/.test(code || ''), `no suggested indicator for the report: ${code}`);
  await shot('5-analyst-indicators');
  await Promise.all([
    page.waitForNavigation(),
    suggestion.locator('button[data-state=accepted]').click(),
  ]);
  await page.locator(`#codings tr[data-code="${code}"][data-state=accepted]`).waitFor();
  expect(
    (await page.locator(`#suggestions tr[data-code="${code}"]`).count()) === 0,
    `indicator ${code} is still offered after being accepted`,
  );
  await shot('6-analyst-indicator-accepted');

  step = 'analyst sees the report on the situation map';
  const started = Date.now();
  await page.goto(`${base}/situations/SSD`);
  const map = page.locator('#map[data-total]');
  await map.waitFor({ timeout: 15000 });
  const usable = Date.now() - started;
  const reports = (await map.getAttribute('data-reports')).split(',');
  expect(reports.includes(id), `report ${id} is not among the map's points: ${reports}`);
  // The marker is drawn: the map library renders a feature for it.
  await page.waitForFunction(
    (report) =>
      window.tocsinMap &&
      window.tocsinMap
        .queryRenderedFeatures({ layers: ['reports'] })
        .some((f) => String(f.properties.report) === report),
    id,
    { timeout: 15000 },
  );
  await page.locator('#map[data-idle=true]').waitFor({ timeout: 15000 });
  const drawn = Date.now() - started;
  await shot('7-analyst-situation-map');

  step = 'analyst acknowledges an alert';
  await page.goto(`${base}/alerts`);
  const alertRow = page.locator('#alerts tbody tr').first();
  await alertRow.waitFor();
  await shot('8-analyst-alerts');
  await Promise.all([
    page.waitForNavigation(),
    alertRow.locator('button', { hasText: 'Acknowledge' }).click(),
  ]);
  const alertState = await page.locator('#alerts tbody tr').first().locator('td.state').textContent();
  expect(alertState.includes('acknowledged'), `the alert reads acknowledged: ${alertState}`);
  await shot('9-analyst-alert-acknowledged');

  step = 'analyst records a decision on the alert';
  await Promise.all([
    page.waitForNavigation(),
    page.locator('#alerts tbody tr').first().locator('a.decide').click(),
  ]);
  const decide = page.locator('form#decide');
  await decide.waitFor();
  const decision = `Send the envoy to Kapoeta this week (${Date.now()})`;
  await decide.locator('textarea[name=decision]').fill(decision);
  // Link the first measure recorded for the situation.
  const measures = decide.locator('select[name=response] option:not([value=""])');
  expect((await measures.count()) > 0, 'the decision form offers no measure to link');
  const measure = await measures.first().getAttribute('value');
  await decide.locator('select[name=response]').selectOption(measure);
  await shot('10-analyst-decision-form');
  // The same form on a phone's screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('10-analyst-decision-form-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  await Promise.all([page.waitForNavigation(), decide.locator('button[type=submit]').click()]);
  const recorded = page.locator('#decisions li[data-decision]', { hasText: decision });
  await recorded.waitFor();
  expect(
    (await recorded.textContent()).includes(`measure #${measure} `),
    `the decision does not name measure ${measure}: ${await recorded.textContent()}`,
  );
  await shot('11-analyst-decision-recorded');
  await signOut();

  step = 'administrator checks where alerts go';
  await signIn(admin);
  await page.goto(`${base}/admin/units`);
  await page.locator('[data-unit]').first().waitFor();
  await shot('12-admin-units');
  await Promise.all([page.waitForNavigation(), page.click('header nav a[href="/admin/routing"]')]);
  await page.fill('input[name=situation]', 'SSD/kapoeta');
  await Promise.all([page.waitForNavigation(), page.click('form[method=get] button')]);
  const chain = await page.locator('#route').getAttribute('data-chain');
  expect(chain.split(',')[0] === 'ssd-desk', `alerts about SSD/kapoeta go to ${chain}`);
  await shot('13-admin-routing');

  step = 'administrator renames the unit';
  const renamed = 'south-sudan-desk';
  await page.goto(`${base}/admin/units`);
  const rename = page.locator(`section[data-unit="${chain.split(',')[0]}"] form.rename`);
  await rename.locator('input[name=name]').fill(renamed);
  await Promise.all([page.waitForNavigation(), rename.locator('button[type=submit]').click()]);
  await page.locator(`section[data-unit="${renamed}"]`).waitFor();
  await shot('14-admin-unit-renamed');
  await page.goto(`${base}/admin/routing?situation=SSD/kapoeta`);
  const renamedChain = await page.locator('#route').getAttribute('data-chain');
  expect(renamedChain.split(',')[0] === renamed, `after the rename, alerts go to ${renamedChain}`);
  expect(problems.length === 0, `the pages reported errors:\n${problems.join('\n')}`);
  console.log(`e2e ok: report ${id} sent, placed, verified and on the map (map data in ${usable} ms, drawn in ${drawn} ms); indicator ${code} accepted; alert acknowledged; decision recorded with measure ${measure}; routing to ${chain}; unit renamed to ${renamed}`);
} catch (error) {
  await shot(`failed-${step.replace(/\W+/g, '-')}`).catch(() => {});
  console.error(`e2e failed at "${step}": ${error.message}`);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
