import { useRecordContext, useTranslate } from 'react-admin';
import { ShowLink } from '../common/ShowLink';

/** The job a record names (an audit row, an item), as a link: "Job 1a2b3c4d". */
export const JobLink = ({ source = 'job_id' }: { source?: string; label?: string }) => {
  const record = useRecordContext();
  const translate = useTranslate();
  const id = record?.[source] as string | null | undefined;
  if (!id) return null;
  return <ShowLink resource="jobs" id={id}>{translate('ls.job.short', { id: id.slice(0, 8) })}</ShowLink>;
};
