import { render } from 'preact';
import { App } from './app';
import { takeKeyFromFragment } from './api';
import './styles.css';

// Before anything renders: the key leaves the address bar for sessionStorage.
takeKeyFromFragment();
render(<App />, document.getElementById('app')!);
// bench/studio.ts reads this: the page is rendered and handles input from here on.
performance.mark('studio:rendered');
