import fs from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { verifyAsset } from '../engine/c2pa/index.js';
import { existingSigningIdentity } from '../services/provenance.js';

/**
 * `opensoul verify FILE`: reads the file's C2PA manifest with c2pa-rs, prints it with the
 * validation result and whether this server's certificate chain signed it. Exit status 0 only
 * for a valid manifest (a changed file fails its hash checks).
 */
export function registerVerifyCommand(program: Command, getConfig: () => Config) {
  program
    .command('verify <file>')
    .description('check the C2PA content credentials of an output file')
    .option('--json', 'print the whole manifest as JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const c = getConfig();
      const identity = existingSigningIdentity({ dataDir: c.dataDir, ...c.c2pa });
      const v = await verifyAsset(fs.readFileSync(file), identity?.anchorsPem ?? '');
      const m = v.manifest as {
        claim_generator_info?: { name?: string; version?: string }[];
        assertions?: { label: string; data: unknown }[];
        signature_info?: Record<string, unknown>;
      } | null;
      const generation = m?.assertions?.find((a) => a.label === 'org.opensoul.generation')?.data;
      const created = m?.assertions?.find((a) => a.label === 'c2pa.actions.v2')?.data;
      console.log(`file: ${file}`);
      console.log(`manifest: ${m ? 'found' : 'none'}`);
      console.log(`valid: ${v.valid ? 'yes' : 'no'} (${v.state})`);
      console.log(`signed by this server: ${v.trusted && identity ? 'yes' : 'no'}`);
      if (m) {
        console.log(`generator: ${(m.claim_generator_info ?? []).map((g) => `${g.name} ${g.version ?? ''}`.trim()).join(', ')}`);
        console.log(`signer: ${JSON.stringify(m.signature_info ?? {})}`);
        console.log(`actions: ${JSON.stringify(created ?? null)}`);
        console.log(`generation: ${JSON.stringify(generation ?? null)}`);
      }
      for (const f of v.failures) console.log(`failure: ${f.code}${f.explanation ? ` (${f.explanation})` : ''}`);
      if (o.json && m) console.log(JSON.stringify(m, null, 2));
      if (!v.valid) process.exitCode = 1;
    });
}
