/** The demo data `npm start` makes on first run: TPC-H SF 0.1 in 8 partitions plus the real flights table. */
import { importFlights } from '../../datagen/flights.ts';
import { TPCH_DEFAULT_SEED } from '../../datagen/tpch.ts';
import { generateTpchWithProgress } from './generate.ts';

export async function makeDemoData(dataDir: string): Promise<void> {
  process.stdout.write(`first run: making demo data in ${dataDir}\n`);
  await generateTpchWithProgress({ sf: 0.1, partitions: 8, into: dataDir, hashKey: false, seed: TPCH_DEFAULT_SEED });
  process.stdout.write('importing flights (3M rows from the vega-datasets package)\n');
  await importFlights({ outDir: dataDir, partitions: 8 });
}
