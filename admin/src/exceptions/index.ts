import ReportProblemIcon from '@mui/icons-material/ReportProblem';
import { ExceptionList } from './ExceptionList';
import { ExceptionShow } from './ExceptionShow';

export default { list: ExceptionList, show: ExceptionShow, icon: ReportProblemIcon, recordRepresentation: 'idempotency_key' };
