/**
 * A sign-in method in words. Sessions carry WorkOS's snake_case `auth_method` ("oauth"); the authenticate
 * response (seen by /callback) carries the PascalCase `authentication_method` ("GoogleOAuth"), which is more
 * precise, so it wins when we recorded it at sign-in. The one wording of sign-in methods for every page.
 */
const SESSION_METHODS: Record<string, string> = {
  password: 'Password',
  magic_code: 'Email code',
  oauth: 'Social sign-in',
  sso: 'Single sign-on',
  passkey: 'Passkey',
  impersonation: 'Impersonation',
  external_auth: 'External sign-in',
  cross_app_auth: 'Cross-app sign-in',
  migrated_session: 'Migrated session',
};

const AUTHENTICATION_METHODS: Record<string, string> = {
  Password: 'Password',
  MagicAuth: 'Email code',
  SSO: 'Single sign-on',
  Passkey: 'Passkey',
  Impersonation: 'Impersonation',
  GoogleOAuth: 'Google',
  MicrosoftOAuth: 'Microsoft',
  GitHubOAuth: 'GitHub',
  AppleOAuth: 'Apple',
  GitLabOAuth: 'GitLab',
  LinkedInOAuth: 'LinkedIn',
  SlackOAuth: 'Slack',
  BitbucketOAuth: 'Bitbucket',
  DiscordOAuth: 'Discord',
  SalesforceOAuth: 'Salesforce',
  XeroOAuth: 'Xero',
  ExternalAuth: 'External sign-in',
  CrossAppAuth: 'Cross-app sign-in',
  MigratedSession: 'Migrated session',
};

export function describeSignInMethod(sessionMethod: string | null | undefined, authenticationMethod?: string | null): string {
  if (authenticationMethod) {
    const precise = AUTHENTICATION_METHODS[authenticationMethod];
    if (precise) return precise;
    const provider = /^([A-Z][A-Za-z]+)OAuth$/.exec(authenticationMethod)?.[1];
    if (provider) return provider;
  }
  if (sessionMethod) {
    const known = SESSION_METHODS[sessionMethod] ?? AUTHENTICATION_METHODS[sessionMethod];
    if (known) return known;
  }
  return 'Unknown method';
}
