/** A table's header row of column names (each `scope="col"`); an empty name is for screen readers. */
export function Head(props: { cols: readonly string[] }) {
  return (
    <thead>
      <tr>
        {props.cols.map((c, i) => (
          <th key={i} scope="col">
            {c || <span class="sr-only">Actions</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}
