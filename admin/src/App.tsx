import { Admin, Resource } from 'react-admin';
import auditLog from './audit-log';
import { authProvider } from './authProvider';
import { Dashboard } from './dashboard/Dashboard';
import { dataProvider } from './dataProvider';
import events from './events';
import exceptions from './exceptions';
import idempotencyKeys from './idempotency-keys';
import jobs, { jobItems } from './jobs';
import { Layout } from './Layout';
import { i18nProvider, messages } from './i18n';
import { LoginPage } from './LoginPage';
import rejections from './rejections';
import sales from './sales';
import transactions from './transactions';
import { darkTheme, lightTheme } from './theme';

export const App = () => (
  <Admin
    title={messages.ls.app.title}
    dataProvider={dataProvider}
    authProvider={authProvider}
    i18nProvider={i18nProvider}
    loginPage={LoginPage}
    dashboard={Dashboard}
    layout={Layout}
    theme={lightTheme}
    darkTheme={darkTheme}
    requireAuth
    disableTelemetry
  >
    <Resource name="exceptions" {...exceptions} />
    <Resource name="sales" {...sales} />
    <Resource name="transactions" {...transactions} />
    <Resource name="events" {...events} />
    <Resource name="idempotency-keys" {...idempotencyKeys} />
    <Resource name="audit-log" {...auditLog} />
    <Resource name="rejections" {...rejections} />
    <Resource name="jobs" {...jobs} />
    <Resource name="job-items" {...jobItems} />
    <Resource name="reason-codes" />
    <Resource name="stores" />
  </Admin>
);
