#!/usr/bin/env node
// Loads the TypeScript entry through tsx's loader in this same process (signals reach it directly).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
