{#-
    One row per usage report item and tool: the accepted and rejected code-edit actions the
    Admin API reports under `tool_actions`. Documented keys get the tool names the OTLP export
    uses (edit_tool -> Edit, multi_edit_tool -> MultiEdit, write_tool -> Write,
    notebook_edit_tool -> NotebookEdit); unknown keys are kept as they are.
-#}
with

tool_actions as (

    select * from {{ source('admin_api', 'tool_actions') }}

),

usage_items as (

    select * from {{ ref('stg_admin_api__usage') }}

),

final as (

    select
        usage_items.usage_item_id,
        tool_actions.usage_date,
        usage_items.member_type,
        usage_items.member_identifier,
        tool_actions.tool_key,
        case tool_actions.tool_key
            when 'edit_tool' then 'Edit'
            when 'multi_edit_tool' then 'MultiEdit'
            when 'write_tool' then 'Write'
            when 'notebook_edit_tool' then 'NotebookEdit'
            else tool_actions.tool_key
        end as tool_name,
        coalesce(tool_actions.accepted, 0) as accepted,
        coalesce(tool_actions.rejected, 0) as rejected,
        tool_actions.source_file,
        tool_actions.item_index
    from tool_actions
    inner join usage_items
        on tool_actions.source_file = usage_items.source_file
        and tool_actions.item_index = usage_items.item_index

)

select * from final
