// react-admin's layout with the time setting in the app bar, where every page can reach it.
import { AppBar, Layout as RaLayout, TitlePortal, type LayoutProps } from 'react-admin';
import { ZoneToggle } from './common/time';

const LedgerAppBar = () => (
  <AppBar>
    <TitlePortal />
    <ZoneToggle />
  </AppBar>
);

export const Layout = ({ children }: LayoutProps) => <RaLayout appBar={LedgerAppBar}>{children}</RaLayout>;
