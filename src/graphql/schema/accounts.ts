import type { Account } from '../../generated/prisma/client';
import { builder, requireAccount, UserErrorRef } from '../builder';
import { createAccount } from '../../app/accounts';

export const AccountRef = builder.objectRef<Account>('Account');
builder.node(AccountRef, {
  id: { resolve: (a) => a.id },
  description: 'A tenant. Everything a token can see belongs to its account.',
  loadOne: (id, ctx) => (ctx.account && ctx.account.id === id ? ctx.account : null),
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreateAccountInput = builder.inputType('CreateAccountInput', {
  fields: (t) => ({ name: t.string({ required: true, description: 'A display name for the account.' }) }),
});

const CreateAccountPayload = builder.objectRef<{ account: Account | null; token: string | null; userErrors: { field: string[]; message: string; code: string }[] }>('CreateAccountPayload').implement({
  fields: (t) => ({
    account: t.field({ type: AccountRef, nullable: true, resolve: (p) => p.account }),
    token: t.string({ nullable: true, description: 'The API token, shown only once. Send it as "Authorization: Bearer <token>".', resolve: (p) => p.token }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('createAccount', (t) =>
  t.field({
    type: CreateAccountPayload,
    description: 'Sign up: creates an account and returns its first API token (open in embedded mode; see NODELESS_ALLOW_SIGNUP).',
    args: { input: t.arg({ type: CreateAccountInput, required: true }) },
    resolve: (_, { input }, ctx) => createAccount(ctx.svc, input),
  }),
);

builder.queryField('viewer', (t) =>
  t.field({
    type: AccountRef,
    description: 'The account of the token used.',
    resolve: (_, __, ctx) => requireAccount(ctx),
  }),
);
