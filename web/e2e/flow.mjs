// The web application end to end in real headless Chromium (Debian's, driven by
// playwright-core): a monitor signs in and sends a report from the report form; an analyst
// signs in, places and verifies it in the inbox, and finds it on the situation's map.
// Screenshots of each step go to $TOCSIN_E2E_SCREENSHOTS.
//
// Environment: TOCSIN_URL (a running `tocsin serve`), TOCSIN_E2E_MONITOR and
// TOCSIN_E2E_ANALYST (user names), TOCSIN_E2E_PASSWORD, TOCSIN_E2E_SCREENSHOTS,
// CHROMIUM (default /usr/bin/chromium). Exits non-zero, naming the step, on any failure.
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
  await shot('5-analyst-situation-map');

  step = 'analyst acknowledges an alert';
  await page.goto(`${base}/alerts`);
  const alertRow = page.locator('#alerts tbody tr').first();
  await alertRow.waitFor();
  await shot('6-analyst-alerts');
  await Promise.all([
    page.waitForNavigation(),
    alertRow.locator('button', { hasText: 'Acknowledge' }).click(),
  ]);
  const alertState = await page.locator('#alerts tbody tr').first().locator('td.state').textContent();
  expect(alertState.includes('acknowledged'), `the alert reads acknowledged: ${alertState}`);
  await shot('7-analyst-alert-acknowledged');
  expect(problems.length === 0, `the pages reported errors:\n${problems.join('\n')}`);
  console.log(`e2e ok: report ${id} sent, placed, verified and on the map (map data in ${usable} ms, drawn in ${drawn} ms); alert acknowledged`);
} catch (error) {
  await shot(`failed-${step.replace(/\W+/g, '-')}`).catch(() => {});
  console.error(`e2e failed at "${step}": ${error.message}`);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
