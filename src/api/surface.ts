import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

/** A group of routes mounted on the app (DoP, style previews, a dialect's routes). */
export type Surface = (app: FastifyInstance, ctx: AppContext) => void;
