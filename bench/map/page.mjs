// Time until a situation page's map is usable in headless Chromium: from the start of the
// navigation until the map has drawn everything in view with the server's clustered reports
// (the element's data-idle and data-total are set). Signs in first, untimed.
//
// Usage: node page.mjs URL USER PASSWORD SITUATION [RUNS]
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// playwright-core is installed with the web assets (npm ci --prefix web).
const { chromium } = createRequire(new URL('../../web/package.json', import.meta.url))(
  'playwright-core',
);

const [base, user, password, situation, runs = '5'] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'tocsin-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--enable-unsafe-swiftshader',
  ],
  viewport: { width: 1280, height: 900 },
});
try {
  const page = context.pages()[0] || (await context.newPage());
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  for (let run = 1; run <= Number(runs); run++) {
    const started = Date.now();
    await page.goto(`${base}/situations/${situation}`);
    await page.locator('#map[data-idle=true][data-total]').waitFor({ timeout: 30000 });
    const usable = Date.now() - started;
    const total = await page.locator('#map').getAttribute('data-total');
    const groups = await page.evaluate(
      () => window.tocsinMap.querySourceFeatures('reports').length,
    );
    console.log(
      `run ${run}: map usable after ${usable} ms (${total} reports in view, ${groups} clusters drawn)${run === 1 ? ' [cold cache]' : ''}`,
    );
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
