/**
 * TallyStarts: sums reconcile's start results (each start's, then each batch's), so that a tick with no failed
 * start needs no filter expression that an empty result would break. Pure arithmetic: no port is used.
 */
import * as z from 'zod';
import { tallyStarts } from '../core/fanout';
import { lambda } from './lib/stack';

const tally = z.object({ count: z.number().int().min(0), failed: z.array(z.string()) });
const input = z.object({ results: z.array(tally) });

export const handler = lambda('TallyStarts', input, {}, async ({ results }) => tallyStarts(results));
