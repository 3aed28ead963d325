/**
 * `opensoul gpu …`: install onnxruntime-node's CUDA provider and check that it starts.
 * npm skips onnxruntime-node's install script (package.json `allowScripts`), and that script is
 * what fetches the CUDA provider libraries (too large for the npm package), so `cuda` cannot work
 * until this runs once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Command } from 'commander';
import {
  cudaPlatformSupported,
  cudaProviderInstalled,
  cudaProviderLibrary,
  ExecutionProviderError,
  onnxRuntimeBinDir,
  verifyExecutionProvider,
} from '../engine/onnx/index.js';

/** The installer shipped inside onnxruntime-node, and the CUDA builds it offers for this platform. */
export function cudaInstaller(): { script: string; variants: string[] } {
  const root = path.resolve(onnxRuntimeBinDir(), '../../../..');
  const script = path.join(root, 'script', 'install.js');
  const metadata = path.join(root, 'script', 'install-metadata.js');
  if (!existsSync(script) || !existsSync(metadata))
    throw new Error(`onnxruntime-node's installer is missing (${script}); reinstall onnxruntime-node`);
  const meta = createRequire(import.meta.url)(metadata) as { requirements: Record<string, string[]> };
  return { script, variants: meta.requirements[`${process.platform}/${process.arch}`] ?? [] };
}

/** The installer's command line for a CUDA build; `cuda` is e.g. "12" or "cuda12". */
export function setupCommand(cuda: string): { argv: string[]; variant: string } {
  const { script, variants } = cudaInstaller();
  const variant = cuda.startsWith('cuda') ? cuda : `cuda${cuda}`;
  if (!variants.includes(variant)) {
    throw new Error(
      `onnxruntime-node offers ${variants.length ? variants.join(', ') : 'no CUDA build'} for ${process.platform}/${process.arch}, not ${variant}`,
    );
  }
  return { argv: [process.execPath, script, `--onnxruntime-node-install=${variant}`], variant };
}

export interface GpuCommandIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

async function check(io: GpuCommandIO): Promise<boolean> {
  try {
    await verifyExecutionProvider('cuda');
    io.stdout.write(`CUDA execution provider: working (${cudaProviderLibrary()})\n`);
    return true;
  } catch (err) {
    io.stderr.write(`${err instanceof ExecutionProviderError ? err.message : String(err)}\n`);
    return false;
  }
}

export function registerGpuCommands(program: Command, io: GpuCommandIO = { stdout: process.stdout, stderr: process.stderr }): void {
  const gpu = program.command('gpu').description('NVIDIA GPU support: install the CUDA provider of ONNX Runtime, check it');

  gpu
    .command('setup')
    .description("download onnxruntime-node's CUDA provider libraries (from NuGet, about 300 MB) and check that they start")
    .option('--cuda <version>', 'CUDA major version of the provider build', '12')
    .option('--print', 'print the installer command instead of running it')
    .action(async (o: { cuda: string; print?: boolean }) => {
      if (!cudaPlatformSupported()) throw new Error(`onnxruntime-node has no CUDA provider for ${process.platform}/${process.arch}`);
      const { argv, variant } = setupCommand(o.cuda);
      if (o.print) {
        io.stdout.write(`${argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
        return;
      }
      io.stderr.write(`Installing onnxruntime-node's ${variant} provider into ${onnxRuntimeBinDir()} …\n`);
      // Its own installer: it knows the NuGet package and version that match this onnxruntime-node.
      const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' });
      if (r.status !== 0 || !cudaProviderInstalled())
        throw new Error(`the installer failed (exit ${r.status ?? r.signal}); nothing was changed for the CPU provider`);
      io.stderr.write('Installed. Checking that it starts (needs the NVIDIA driver, CUDA 12 runtime and cuDNN 9) …\n');
      if (!(await check(io))) process.exitCode = 1;
      else io.stderr.write('Start the server with OPENSOUL_EXECUTION_PROVIDER=cuda.\n');
    });

  gpu
    .command('check')
    .description('open a session on the CUDA provider; exits 1 with the reason when it cannot start')
    .action(async () => {
      if (!(await check(io))) process.exitCode = 1;
    });
}
