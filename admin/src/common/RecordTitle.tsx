import { useRecordContext, useTranslate } from 'react-admin';

/** A show page's title: the i18n `message`, given the record's id. */
export const RecordTitle = ({ message }: { message: string }) => {
  const record = useRecordContext();
  const translate = useTranslate();
  return <>{translate(message, { id: record?.id ?? '' })}</>;
};
