export { HealthMonitorsApi } from './api';
export type {
  CreateHealthMonitorOptions,
  HealthMonitorType,
  ListHealthMonitorsFilters,
  UpdateHealthMonitorOptions,
} from './requests';
export type { HealthMonitor } from './results';
