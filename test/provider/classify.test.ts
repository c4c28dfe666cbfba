import { describe, expect, it } from 'vitest';
import {
  assessTokenRoles,
  classifyAadsts,
  classifyGraphResponse,
  classifyTokenError,
  decodeJwtPayload,
  findAadstsCode,
  parseMissingPermissions,
  parseRetryAfterMs,
  readGraphError,
  rolesFromAccessToken,
} from '../../src/provider/microsoft/classify.ts';
import type { ProviderFailure, ProviderReasonCode } from '../../src/provider/types.ts';
import { ProviderError, describeFailure, hasPermission, missingPermissions } from '../../src/provider/types.ts';

describe('permissions', () => {
  it('ReadWrite satisfies Read, for .All and .Directory', () => {
    expect(hasPermission(['Group.Read.All'], 'Group.Read.All')).toBe(true);
    expect(hasPermission(['DeviceManagementConfiguration.ReadWrite.All'], 'DeviceManagementConfiguration.Read.All')).toBe(true);
    expect(hasPermission(['RoleManagement.ReadWrite.Directory'], 'RoleManagement.Read.Directory')).toBe(true);
    expect(hasPermission(['group.read.all'], 'Group.Read.All')).toBe(true);
  });

  it('Read does not satisfy ReadWrite, and names must match', () => {
    expect(hasPermission(['DeviceManagementConfiguration.Read.All'], 'DeviceManagementConfiguration.ReadWrite.All')).toBe(false);
    expect(hasPermission(['Group.ReadWrite.All'], 'GroupMember.Read.All')).toBe(false);
    expect(hasPermission(['RoleManagement.ReadWrite.All'], 'RoleManagement.Read.Directory')).toBe(false);
    expect(hasPermission([], 'Group.Read.All')).toBe(false);
  });

  it('missingPermissions lists each unmet need once', () => {
    expect(missingPermissions(['Group.ReadWrite.All'], ['Group.Read.All', 'Device.Read.All', 'Device.Read.All'])).toEqual(['Device.Read.All']);
    expect(missingPermissions(['A.Read.All'], [])).toEqual([]);
  });
});

describe('AADSTS classification', () => {
  it('finds codes in messages and in bare error numbers', () => {
    expect(findAadstsCode(undefined, 'invalid_client', 'AADSTS7000222: The provided client secret keys are expired.')).toBe('AADSTS7000222');
    expect(findAadstsCode(7000215)).toBe('AADSTS7000215');
    expect(findAadstsCode('no code here', '')).toBeUndefined();
  });

  const table: Array<[string, ProviderReasonCode]> = [
    ['AADSTS65001', 'provider_consent_missing'],
    ['AADSTS7000222', 'provider_credentials_expired'],
    ['AADSTS7000215', 'provider_credentials_invalid'],
    ['AADSTS700016', 'provider_connection_unusable'],
    ['AADSTS7000229', 'provider_connection_unusable'],
    ['AADSTS90002', 'provider_tenant_not_found'],
    ['AADSTS900023', 'provider_tenant_not_found'],
    ['AADSTS90033', 'provider_unavailable'],
  ];
  it.each(table)('%s -> %s', (aadsts, code) => {
    expect(classifyAadsts(aadsts).code).toBe(code);
  });

  it('unknown codes: 5xx is transient, 4xx is a hard refusal', () => {
    expect(classifyAadsts('AADSTS12345', 503).code).toBe('provider_unavailable');
    expect(classifyAadsts('AADSTS12345', 400)).toEqual({ code: 'provider_connection_unusable', params: { aadsts: 'AADSTS12345' }, httpStatus: 400 });
  });

  it('for a workspace app, "not in this directory" and "no service principal" mean the tenant never consented', () => {
    for (const aadsts of ['AADSTS700016', 'AADSTS7000229', 'AADSTS65001']) {
      expect(classifyAadsts(aadsts, 400, { workspaceApp: true })).toEqual({ code: 'provider_consent_missing', params: { aadsts }, httpStatus: 400 });
    }
    // The secret's expiry still reads as such: one rotation of the app is the fix.
    expect(classifyAadsts('AADSTS7000222', 401, { workspaceApp: true }).code).toBe('provider_credentials_expired');
  });

  it('connection_unusable carries the aadsts param', () => {
    expect(classifyAadsts('7000229').params).toEqual({ aadsts: 'AADSTS7000229' });
  });

  it('classifies MSAL-shaped errors (ServerError fields, network errors)', () => {
    const serverError = Object.assign(new Error('invalid_client: Error(s): 7000222 ...'), {
      errorCode: 'invalid_client',
      errorMessage: 'Error(s): 7000222 - Description: AADSTS7000222: The provided client secret keys for app are expired.',
      subError: '',
      errorNo: '7000222',
      status: 401,
    });
    expect(classifyTokenError(serverError)).toEqual({ code: 'provider_credentials_expired', params: { aadsts: 'AADSTS7000222' }, httpStatus: 401 });
    expect(classifyTokenError({ errorCode: 'network_error', errorMessage: 'Network request failed' }).code).toBe('provider_unavailable');
    expect(classifyTokenError({ errorCode: 'temporarily_unavailable', status: 503 }).code).toBe('provider_unavailable');
    expect(classifyTokenError({ errorCode: 'invalid_client', status: 401 }).code).toBe('provider_credentials_invalid');
    expect(classifyTokenError('weird').code).toBe('provider_unavailable');
  });
});

describe('token roles', () => {
  const jwt = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

  it('decodes the roles claim without verification', () => {
    expect(rolesFromAccessToken(jwt({ roles: ['Group.Read.All', 7] }))).toEqual(['Group.Read.All']);
    expect(rolesFromAccessToken(jwt({ tid: 'x' }))).toEqual([]);
    expect(rolesFromAccessToken('not-a-jwt')).toEqual([]);
    expect(decodeJwtPayload('a.!!!.c')).toBeUndefined();
  });

  it('no roles -> consent missing; some absent -> permission missing naming them', () => {
    expect(assessTokenRoles([], ['Group.Read.All'])).toEqual({ code: 'provider_consent_missing', params: {} });
    expect(assessTokenRoles(['Group.Read.All'], ['Group.Read.All', 'RoleManagement.Read.Directory'])).toEqual({
      code: 'provider_permission_missing',
      params: { missing: ['RoleManagement.Read.Directory'] },
    });
    expect(assessTokenRoles(['Group.ReadWrite.All'], ['Group.Read.All'])).toBeNull();
    expect(assessTokenRoles([], [])).toBeNull();
  });
});

describe('Graph responses', () => {
  it('parses the missing role from the Authorization_RequestDenied shape', () => {
    const body = JSON.stringify({
      error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation. Missing role(s): Group.Read.All' },
    });
    expect(readGraphError(body).graphCode).toBe('Authorization_RequestDenied');
    expect(classifyGraphResponse({ status: 403, body, tokenRoles: ['X.Read.All'], requiredRoles: [] })).toEqual({
      code: 'provider_permission_missing',
      params: { missing: ['Group.Read.All'] },
      httpStatus: 403,
    });
  });

  it("takes the least-privileged entry of Intune's 'one of the following scopes'", () => {
    const message =
      '{"_version":3,"Message":"Application is not authorized to perform this operation. Application must have one of the following scopes: DeviceManagementConfiguration.Read.All, DeviceManagementConfiguration.ReadWrite.All - Operation ID (for customer support): 0000 - Url: https://fef.msub03.manage.microsoft.com/DeviceConfiguration/x"}';
    expect(parseMissingPermissions(message)).toEqual(['DeviceManagementConfiguration.Read.All']);
  });

  it('lists every role when several are missing, ignoring trailing prose', () => {
    expect(parseMissingPermissions('Missing roles: Group.Read.All, Device.Read.All and User.Read.All. Contact your admin.')).toEqual([
      'Group.Read.All',
      'Device.Read.All',
      'User.Read.All',
    ]);
    expect(parseMissingPermissions('Insufficient privileges to complete the operation.')).toEqual([]);
  });

  it('403 without names falls back to required roles the token lacks, then to all required', () => {
    const body = { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } };
    expect(classifyGraphResponse({ status: 403, body, tokenRoles: ['A.Read.All'], requiredRoles: ['A.Read.All', 'B.Read.All'] }).params).toEqual({
      missing: ['B.Read.All'],
    });
    expect(classifyGraphResponse({ status: 403, body, tokenRoles: ['A.Read.All'], requiredRoles: ['A.Read.All'] }).params).toEqual({
      missing: ['A.Read.All'],
    });
  });

  it('maps 401, 429, 5xx and other 4xx', () => {
    const base = { body: '', tokenRoles: [], requiredRoles: [] };
    expect(classifyGraphResponse({ ...base, status: 401 }).code).toBe('provider_consent_missing');
    expect(classifyGraphResponse({ ...base, status: 429 }).code).toBe('provider_throttled');
    expect(classifyGraphResponse({ ...base, status: 504 }).code).toBe('provider_unavailable');
    const rejected = classifyGraphResponse({ ...base, status: 404, body: { error: { code: 'ResourceNotFound', message: 'gone' } } });
    expect(rejected).toEqual({ code: 'provider_request_rejected', params: { status: 404, graphCode: 'ResourceNotFound' }, httpStatus: 404 });
  });

  it('never lets free text through as a graph code', () => {
    const body = { error: { code: 'secret=abc def ghi', message: 'x' } };
    expect(classifyGraphResponse({ status: 400, body, tokenRoles: [], requiredRoles: [] }).params.graphCode).toBe('unknown');
  });

  it('parses Retry-After as seconds or HTTP-date', () => {
    expect(parseRetryAfterMs('7')).toBe(7000);
    expect(parseRetryAfterMs(null)).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
  });
});

describe('ProviderError', () => {
  const failures: ProviderFailure[] = [
    { code: 'provider_consent_missing', params: {} },
    { code: 'provider_permission_missing', params: { missing: ['Group.Read.All'] }, httpStatus: 403 },
    { code: 'provider_credentials_expired', params: { aadsts: 'AADSTS7000222' } },
    { code: 'provider_credentials_invalid', params: {} },
    { code: 'provider_connection_unusable', params: { aadsts: 'AADSTS700016' } },
    { code: 'provider_tenant_not_found', params: {} },
    { code: 'provider_throttled', params: {}, httpStatus: 429 },
    { code: 'provider_unavailable', params: {} },
    { code: 'provider_request_rejected', params: { status: 400, graphCode: 'BadRequest' }, httpStatus: 400 },
  ];

  it.each(failures)('describes $code and serialises only code, params and status', (failure) => {
    const error = new ProviderError(failure);
    expect(error.message).toBe(describeFailure(failure));
    expect(error.code).toBe(failure.code);
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['code', 'name', 'params', ...(failure.httpStatus ? ['httpStatus'] : [])].sort());
  });

  it('names the missing permissions in its message', () => {
    expect(new ProviderError(failures[1] as ProviderFailure).message).toContain('Group.Read.All');
  });
});
