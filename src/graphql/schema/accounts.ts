import { builder, cursorPage, decodeCursor, encodeCursor, parseId, requireAccount, requireOperator, UserErrorRef } from '../builder';
import { isUuid } from '../../app/clusters';
import { accountStatus, countActiveTokens, createAccount, findAccount, listAccounts, provisionAccount, reinstateAccount, suspendAccount, type AccountView } from '../../app/accounts';
import { ApiTokenRef } from './apiTokens';

export const AccountStatusEnum = builder.enumType('AccountStatus', {
  values: {
    ACTIVE: { description: 'Its tokens work.' },
    SUSPENDED: { description: 'Suspended by an operator: every request with its tokens is FORBIDDEN (extensions.reason ACCOUNT_SUSPENDED).' },
  } as const,
});

const AccountSuspensionRef = builder.objectRef<{ since: Date; reason: string }>('AccountSuspension').implement({
  fields: (t) => ({
    since: t.expose('since', { type: 'DateTime' }),
    reason: t.exposeString('reason', { description: 'As the operator gave it; suspended callers see it in the error message.' }),
  }),
});

export const AccountRef = builder.objectRef<AccountView>('Account');
builder.node(AccountRef, {
  id: { resolve: (a) => a.id },
  description: 'A tenant. Everything a token can see belongs to its account. Operators see every account; a token only its own.',
  loadOne: (id, ctx) => {
    if (ctx.operator) return isUuid(id) ? findAccount(ctx.svc, id.toLowerCase()) : null;
    return ctx.account && ctx.account.id === id ? ctx.account : null;
  },
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    status: t.field({ type: AccountStatusEnum, resolve: (a) => accountStatus(a) }),
    suspension: t.field({
      type: AccountSuspensionRef,
      nullable: true,
      description: 'Set while the account is suspended.',
      resolve: (a) => (a.suspendedAt ? { since: a.suspendedAt, reason: a.suspendedReason ?? '' } : null),
    }),
    activeTokenCount: t.int({
      description: 'Tokens that work now (neither revoked nor expired; a rotated token in its grace period is not counted).',
      resolve: (a, _, ctx) => a.activeTokens ?? countActiveTokens(ctx.svc, a.id),
    }),
  }),
});

const CreateAccountInput = builder.inputType('CreateAccountInput', {
  fields: (t) => ({ name: t.string({ required: true, description: 'A display name for the account.' }) }),
});

const CreateAccountPayload = builder.objectRef<Awaited<ReturnType<typeof createAccount>>>('CreateAccountPayload').implement({
  description: 'A new account and its first token (createAccount, provisionAccount).',
  fields: (t) => ({
    account: t.field({ type: AccountRef, nullable: true, resolve: (p) => p.account }),
    token: t.string({ nullable: true, description: 'The API token, shown only once. Send it as "Authorization: Bearer <token>".', resolve: (p) => p.token }),
    apiToken: t.field({ type: ApiTokenRef, nullable: true, description: 'The token’s record (named "default" unless provisionAccount named it).', resolve: (p) => p.apiToken }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('createAccount', (t) =>
  t.field({
    type: CreateAccountPayload,
    description: 'Sign up: creates an account and returns its first API token, named "default" (open in embedded mode; see NODELESS_ALLOW_SIGNUP).',
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

// ───────────────────────────── operators ─────────────────────────────

const isAccountCursor = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && isUuid(v[1]);

builder.queryField('accounts', (t) =>
  t.connection({
    type: AccountRef,
    description: 'Operators: every account, by name, with its status and active token count.',
    args: {
      status: t.arg({ type: AccountStatusEnum, description: 'Only accounts in this status.' }),
      name: t.arg.string({ description: 'Only accounts whose name contains this text (any case).' }),
    },
    resolve: (_, args, ctx) => {
      requireOperator(ctx);
      return cursorPage(args, (a: AccountView) => encodeCursor([a.name, a.id]), ({ after, before, limit, inverted }) =>
        listAccounts(ctx.svc, { status: args.status, name: args.name }, { after: decodeCursor(after, isAccountCursor), before: decodeCursor(before, isAccountCursor), limit, inverted }),
      );
    },
  }),
);

const ProvisionAccountInput = builder.inputType('ProvisionAccountInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'A display name for the account.' }),
    tokenName: t.string({ description: 'Name of its first token (default "default").' }),
  }),
});

builder.mutationField('provisionAccount', (t) =>
  t.field({
    type: CreateAccountPayload,
    description: 'Operators: creates an account and its first token (shown once), whatever NODELESS_ALLOW_SIGNUP says.',
    args: { input: t.arg({ type: ProvisionAccountInput, required: true }) },
    resolve: (_, { input }, ctx) => {
      requireOperator(ctx);
      return provisionAccount(ctx.svc, input);
    },
  }),
);

const AccountChangePayload = (name: string) =>
  builder.objectRef<Awaited<ReturnType<typeof suspendAccount>>>(name).implement({
    fields: (t) => ({
      account: t.field({ type: AccountRef, nullable: true, resolve: (p) => p.account }),
      userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
    }),
  });

const SuspendAccountInput = builder.inputType('SuspendAccountInput', {
  fields: (t) => ({
    id: t.id({ required: true, description: 'The account’s id.' }),
    reason: t.string({ required: true, description: '1 to 500 characters; shown to the account’s callers in the refusal.' }),
  }),
});

builder.mutationField('suspendAccount', (t) =>
  t.field({
    type: AccountChangePayload('SuspendAccountPayload'),
    description:
      'Operators: from the next request on, every token of the account is refused (FORBIDDEN, extensions.reason ACCOUNT_SUSPENDED) over HTTP and WebSocket, and its open sockets are told to close. Its clusters keep running. ALREADY_SUSPENDED if it is.',
    args: { input: t.arg({ type: SuspendAccountInput, required: true }) },
    resolve: (_, { input }, ctx) => {
      requireOperator(ctx);
      const raw = String(input.id);
      return suspendAccount(ctx.svc, { id: parseId('Account', raw), rawId: raw, reason: input.reason });
    },
  }),
);

const ReinstateAccountInput = builder.inputType('ReinstateAccountInput', {
  fields: (t) => ({ id: t.id({ required: true, description: 'The account’s id.' }) }),
});

builder.mutationField('reinstateAccount', (t) =>
  t.field({
    type: AccountChangePayload('ReinstateAccountPayload'),
    description: 'Operators: lifts a suspension; the account’s valid tokens work again. NOT_SUSPENDED if it is not suspended.',
    args: { input: t.arg({ type: ReinstateAccountInput, required: true }) },
    resolve: (_, { input }, ctx) => {
      requireOperator(ctx);
      const raw = String(input.id);
      return reinstateAccount(ctx.svc, { id: parseId('Account', raw), rawId: raw });
    },
  }),
);
