import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from '../builder';
import './accounts';
import './apiTokens';
import './regions';
import './pods';
import './clusters';
import './workloads';
import './streams';
import './fleet';
import './policies';
import './autoscaling';
import './billing';

export const schema = builder.toSchema();

/** The SDL committed as schema.graphql (a test checks they are equal). */
export const printedSchema = () => printSchema(lexicographicSortSchema(schema)) + '\n';
