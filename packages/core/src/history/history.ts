/**
 * A client's older history: the scrollback of its threads and the timeline views that show what
 * scrollback loads (`loadOlder`, `timeline(topic)`), wired to each other.
 */
import { describeThrown } from '../logger.js';
import { createScrollback, type Scrollback, type ScrollbackOptions } from './scrollback.js';
import { createTimelineViews, type TimelineViews } from './timeline-view.js';

/** What a client's history needs from it: scrollback's needs but the views'. */
export type HistoryParts = Omit<ScrollbackOptions, 'onChange' | 'together'>;

/** The scrollback and the views of a client's threads. */
export interface History {
  readonly scrollback: Scrollback;
  readonly views: TimelineViews;
}

/** Creates the scrollback and the timeline views of a client, each telling the other. */
export function wireHistory(parts: HistoryParts): History {
  const scrollback = createScrollback({
    ...parts,
    onChange: (topic) => views.changed(topic),
    together: (topic, change) => views.together(topic, change),
  });
  const views = createTimelineViews({
    list: parts.list,
    hasMore: (topic) => scrollback.hasMore(topic),
    loading: (topic) => scrollback.loading(topic),
    onListenerError: (error) => parts.logger.error('a timeline listener threw', { error: describeThrown(error) }),
  });
  return { scrollback, views };
}
