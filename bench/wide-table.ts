/**
 * The wide table of the wire benchmark (bench/wire.ts), also timed by the encoder benchmark
 * (bench/encode.ts): ~10 mixed columns — integers, doubles, a decimal, ~30 characters of text,
 * a boolean, a date and a timestamp.
 */
export function wideSelect(rows: number): string {
  return `SELECT range AS id,
          (range % 100000)::INTEGER AS qty,
          (range % 1000)::SMALLINT AS small,
          range / 7.0::DOUBLE AS price,
          (range % 997)::DOUBLE * 0.25 AS ratio,
          ((range % 10000000)::DECIMAL(12,2) / 100)::DECIMAL(12,2) AS amount,
          'customer-' || lpad(range::VARCHAR, 12, '0') || '-abcdefgh' AS name,
          range % 3 = 0 AS flag,
          DATE '2000-01-01' + (range % 10000)::INTEGER AS day,
          TIMESTAMP '2020-01-01 00:00:00' + to_seconds(range * 7) AS ts
        FROM range(${rows})`;
}
