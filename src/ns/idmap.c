/* work in progress */
typedef int cell_placeholder_idmap;
