/** Public surface of the DuckDB <-> Arrow chunk conversion. */
export { mapDuckDBType, duckdbTypeString, META_DUCKDB_TYPE, META_TRANSPORT, META_NAME } from './types.ts';
export type { TypeMapping, Transport, Physical, DuckDBTypeLike } from './types.ts';
export { schemaForColumns, columnsFromSchema, mappingsFromSchema, columnName, uniqueFieldNames } from './schema.ts';
export type { ColumnSpec } from './schema.ts';
export { transportSql, needsTransportWrap } from './transport-sql.ts';
export { DuckDBToArrow, ArrowBatcher, DEFAULT_TARGET_BYTES, DEFAULT_MAX_ROWS } from './from-duckdb.ts';
export type { BatcherOptions } from './from-duckdb.ts';
export { columnsOf, resultBatches, readResultBatches, queryArrow } from './read-result.ts';
export type { ArrowResult, ColumnSource } from './read-result.ts';
export { encodeBatch, encodeEmpty, decodeMessage, DEFAULT_MAX_MESSAGE_BYTES } from './ipc.ts';
export type { EncodeOptions, DecodedMessage } from './ipc.ts';
export { stagingTableSql, restoreViewSql, ArrowToDuckDBLoader, loadBatches } from './to-duckdb.ts';
export type { CreateOptions } from './to-duckdb.ts';
export type { TableRef } from './sql.ts';
export { quoteIdent, qualifiedName } from './sql.ts';
