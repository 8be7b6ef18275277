import type { CorpusEntry } from '../corpus.ts';

/**
 * TIMESTAMPTZ values across daylight-saving changes (the edge tables span
 * March 2023, when the US and the EU change clocks), in several session time
 * zones. Truncation to a day, extraction of an hour, casts to TIMESTAMP/DATE
 * and text all depend on the session TimeZone, which must reach the workers.
 * Entries with `timeZone` run with that session TimeZone on both sides.
 */
export const TIMESTAMPS: readonly CorpusEntry[] = [
  {
    id: 'tz-truncate-day-utc',
    sql: "SELECT date_trunc('day', occurred_at) AS day, count(*) AS n, min(occurred_at) AS first FROM events WHERE occurred_at < TIMESTAMPTZ '2023-03-20 00:00:00+00' GROUP BY 1 ORDER BY 1",
    orderBy: [0],
  },
  {
    id: 'tz-truncate-day-new-york',
    sql: "SELECT date_trunc('day', occurred_at) AS day, count(*) AS n FROM events WHERE occurred_at BETWEEN TIMESTAMPTZ '2023-03-10 00:00:00+00' AND TIMESTAMPTZ '2023-03-15 00:00:00+00' GROUP BY 1 ORDER BY 1",
    orderBy: [0],
    timeZone: 'America/New_York',
    note: 'day boundaries move from -05 to -04 on 2023-03-12',
  },
  {
    id: 'tz-hour-histogram-berlin',
    sql: 'SELECT extract(hour FROM occurred_at) AS h, count(*) AS n FROM events GROUP BY 1 ORDER BY 1',
    orderBy: [0],
    timeZone: 'Europe/Berlin',
  },
  {
    id: 'tz-cast-to-date-and-timestamp',
    sql: 'SELECT acct_id, opened_at, opened_at::DATE AS local_date, opened_at::TIMESTAMP AS local_ts, CAST(opened_at AS VARCHAR) AS text FROM accounts WHERE acct_id BETWEEN 30 AND 45 ORDER BY acct_id',
    orderBy: [0],
    timeZone: 'America/Los_Angeles',
  },
  {
    id: 'tz-at-time-zone',
    sql: "SELECT acct_id, opened_at AT TIME ZONE 'Asia/Kolkata' AS kolkata, timezone('UTC', opened_at) AS utc_wall FROM accounts WHERE acct_id <= 6 ORDER BY acct_id",
    orderBy: [0],
    timeZone: 'Australia/Sydney',
  },
  {
    id: 'tz-literal-with-offset-filter',
    sql: "SELECT count(*) AS n FROM events WHERE occurred_at >= TIMESTAMPTZ '2023-03-12 02:30:00-05' AND occurred_at < '2023-03-26 02:30:00+01'::TIMESTAMPTZ",
    timeZone: 'America/Chicago',
  },
  {
    id: 'tz-compare-with-timestamp',
    sql: "SELECT count(*) AS n FROM events WHERE occurred_at < TIMESTAMP '2023-03-12 03:00:00'",
    timeZone: 'America/New_York',
    note: 'a TIMESTAMP compared with a TIMESTAMPTZ is read in the session zone: pruning by UTC min/max text would be wrong',
  },
  {
    id: 'tz-compare-with-date',
    sql: "SELECT count(*) AS n, min(occurred_at) AS first FROM events WHERE occurred_at >= DATE '2023-03-26'",
    timeZone: 'Europe/London',
  },
  {
    id: 'tz-min-max-text',
    sql: 'SELECT tier, min(opened_at) AS first, max(opened_at) AS last, max(opened_at) - min(opened_at) AS span FROM accounts GROUP BY tier ORDER BY tier',
    orderBy: [0],
    timeZone: 'Asia/Kathmandu',
    note: 'a +05:45 zone',
  },
  {
    id: 'tz-strftime-and-epoch',
    sql: "SELECT event_id, strftime(occurred_at, '%Y-%m-%d %H:%M %Z') AS s, epoch(occurred_at) AS e, date_part('dow', occurred_at) AS dow FROM events WHERE event_id % 400 = 0 ORDER BY event_id",
    orderBy: [0],
    timeZone: 'America/New_York',
  },
  {
    id: 'tz-join-on-local-day',
    sql: 'SELECT e.occurred_at::DATE AS day, count(*) AS n FROM events e JOIN transfers t ON e.occurred_at::DATE = t.sent_at::DATE AND e.acct_id = t.acct_id GROUP BY 1 ORDER BY 1',
    orderBy: [0],
    timeZone: 'Pacific/Auckland',
  },
  {
    id: 'tz-window-by-local-day',
    sql: "SELECT transfer_id, sent_at, row_number() OVER (PARTITION BY date_trunc('day', sent_at) ORDER BY sent_at) AS nth_of_day FROM transfers WHERE transfer_id BETWEEN 200 AND 260 ORDER BY transfer_id",
    orderBy: [0],
    timeZone: 'Europe/Berlin',
  },
  {
    id: 'tz-interval-arithmetic-dst',
    sql: "SELECT id, stamped_at, stamped_at + INTERVAL 1 DAY AS plus_day, stamped_at + INTERVAL 24 HOUR AS plus_24h, date_trunc('hour', stamped_at) AS hour FROM one_row",
    timeZone: 'Europe/Paris',
    note: 'one_row.stamped_at is 01:30 UTC on the day Paris springs forward: +1 day and +24 hours differ',
  },
  {
    id: 'tz-generate-series-local',
    sql: "SELECT d::DATE AS day, count(r.reading_id) AS n FROM generate_series(TIMESTAMPTZ '2023-03-25 00:00:00+00', TIMESTAMPTZ '2023-03-27 00:00:00+00', INTERVAL 6 HOUR) g(d) LEFT JOIN readings r ON r.taken_on = d::DATE GROUP BY 1 ORDER BY 1",
    orderBy: [0],
    timeZone: 'America/Sao_Paulo',
  },
  {
    id: 'tz-utc-default',
    sql: "SELECT acct_id, opened_at, date_trunc('month', opened_at) AS month FROM accounts WHERE acct_id IN (1, 60, 120) ORDER BY acct_id",
    orderBy: [0],
  },
  {
    id: 'tz-timestamp-without-zone-unaffected',
    sql: "SELECT taken_on, min(taken_at) AS first, max(taken_at) AS last, count(*) AS n FROM readings GROUP BY taken_on ORDER BY taken_on",
    orderBy: [0],
    timeZone: 'Asia/Tokyo',
  },
];
