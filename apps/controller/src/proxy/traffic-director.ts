// The seam lives in seams/ (neither the data path's nor the control plane's); the data path keeps
// importing it from here.
export * from '../seams/traffic-director';
