// Thin long histories before drawing: a chart cannot show more points than it has pixels,
// and drawing 10,000 of them on every frame would freeze the page (TensorBoard keeps 1,000).

/** At most `limit` items of `items`, evenly spaced, always keeping the first and the last. */
export function downsample(items, limit) {
  if (items.length <= limit) return items;
  const stride = (items.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => items[Math.round(i * stride)]);
}
