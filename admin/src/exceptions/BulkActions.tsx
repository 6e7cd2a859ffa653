// The exception list's bulk toolbar: the rows selected, or (once every row of the page is) all the
// exceptions that match the list's filter, however many pages they fill; and the actions on them.
import { Button } from '@mui/material';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { BulkActionsToolbar, useListContext, useRefresh, useTranslate } from 'react-admin';
import { ActionButton } from '../common/ActionButton';
import type { BulkAction } from '../dataProvider';
import { BulkDialog, type BulkTarget } from './BulkDialog';

const Scope = createContext<{ allMatching: boolean; setAllMatching: (all: boolean) => void }>({ allMatching: false, setAllMatching: () => {} });

export const BulkScope = ({ children }: { children: ReactNode }) => {
  const [allMatching, setAllMatching] = useState(false);
  return <Scope.Provider value={{ allMatching, setAllMatching }}>{children}</Scope.Provider>;
};

/** In the toolbar's title: offers "all N matching", or says it is chosen. */
const AllMatching = () => {
  const translate = useTranslate();
  const { selectedIds, data = [], total = 0, filterValues } = useListContext();
  const { allMatching, setAllMatching } = useContext(Scope);
  const pageSelected = data.length > 0 && data.every((r) => selectedIds.includes(r.id));
  // A change of selection or filter ends "all matching": it named another set.
  useEffect(() => {
    if (!pageSelected) setAllMatching(false);
  }, [pageSelected, setAllMatching]);
  useEffect(() => setAllMatching(false), [JSON.stringify(filterValues), setAllMatching]);
  if (!pageSelected || total <= data.length) return null;
  return allMatching
    ? <Button size="small" onClick={() => setAllMatching(false)}>{translate('ls.bulk.all_matching_chosen', { smart_count: total })}</Button>
    : <Button size="small" onClick={() => setAllMatching(true)}>{translate('ls.bulk.choose_all_matching', { smart_count: total })}</Button>;
};

const Actions = () => {
  const { selectedIds, filterValues, total = 0, onUnselectItems } = useListContext();
  const { allMatching, setAllMatching } = useContext(Scope);
  const refresh = useRefresh();
  const [open, setOpen] = useState<{ action: BulkAction; target: BulkTarget } | null>(null);
  const target = (): BulkTarget => (allMatching ? { kind: 'matching', filter: filterValues, total } : { kind: 'selected', ids: selectedIds.map(String) });
  const start = (action: BulkAction) => () => setOpen({ action, target: target() });
  return (
    <>
      <ActionButton label="ls.bulk.ignore" onClick={start('mark_resolved_no_replay')} />
      <ActionButton label="ls.bulk.replay" onClick={start('override_and_replay')} />
      <ActionButton label="ls.bulk.assign" onClick={start('assign')} />
      {open && (
        <BulkDialog target={open.target} action={open.action} onClose={(changed) => {
          setOpen(null);
          if (changed) {
            onUnselectItems();
            setAllMatching(false);
            refresh();
          }
        }} />
      )}
    </>
  );
};

export const ExceptionBulkToolbar = () => {
  const { allMatching } = useContext(Scope);
  return (
    <BulkActionsToolbar selectAllButton={<AllMatching />} label={allMatching ? 'ls.bulk.all_matching_label' : 'ls.bulk.selected_label'}>
      <Actions />
    </BulkActionsToolbar>
  );
};
