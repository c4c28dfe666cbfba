// Where "Sign in with Microsoft" lives on opsgate's origin. The callback is the redirect URI
// to register on the Entra app: `<public URL>/api/auth/microsoft/callback`.
export const SSO_START_PATH = '/api/auth/microsoft/start';
export const SSO_CALLBACK_PATH = '/api/auth/microsoft/callback';
